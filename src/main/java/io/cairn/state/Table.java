package io.cairn.state;

import io.cairn.model.Event;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadStatus;

/** Every durable table and the record type its values hold: the schema lives here and only here. */
public enum Table {
  WORKLOADS("workloads", Workload.class),
  WORKLOAD_STATUS("workload_status", WorkloadStatus.class),
  INSTANCES("instances", InstanceStatus.class),
  EVENTS("events", Event.class),
  BUCKETS("buckets", io.cairn.objects.BucketMeta.class),
  OBJECTS("objects", io.cairn.objects.ObjectMeta.class),
  /** chunk hash -> how many objects and multipart parts on this node use it. */
  CHUNK_REFS("chunk_refs", Long.class),
  UPLOADS("uploads", io.cairn.objects.MultipartUpload.Upload.class),
  /** uploadId/00001 -> part. */
  PARTS("parts", io.cairn.objects.MultipartUpload.Part.class),
  TASKS("tasks", io.cairn.tasks.Task.class),
  /** task id -> the output kept when it ended. */
  TASK_OUTPUT("task_output", io.cairn.tasks.TaskOutput.Stored.class),
  /** token id -> the token, its secret only as a hash. */
  ACL_TOKENS("acl_tokens", io.cairn.acl.AclToken.class);

  private final String columnFamily;
  private final Class<?> valueType;

  Table(String columnFamily, Class<?> valueType) {
    this.columnFamily = columnFamily;
    this.valueType = valueType;
  }

  public String columnFamily() {
    return columnFamily;
  }

  public Class<?> valueType() {
    return valueType;
  }
}
