package io.cairn.state;

import io.cairn.model.Event;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadStatus;

/**
 * Every durable table, the record type its values hold, and whether it is control state: the schema
 * lives here and only here. Replicated tables change only by applying committed log commands, so in
 * a cluster every node holds the same content; the others are this node's own.
 */
public enum Table {
  WORKLOADS("workloads", Workload.class, true),
  WORKLOAD_STATUS("workload_status", WorkloadStatus.class, true),
  INSTANCES("instances", InstanceStatus.class, true),
  /** node id -> the node's record: addresses, labels, capacity and Ready/Down/Left. */
  NODES("nodes", io.cairn.cluster.NodeRecord.class, true),
  /** token id -> the token, its secret only as a hash. */
  ACL_TOKENS("acl_tokens", io.cairn.acl.AclToken.class, true),
  /** one entry once ACLs were bootstrapped: the log refuses a second bootstrap anywhere. */
  ACL_BOOTSTRAP("acl_bootstrap", io.cairn.acl.Bootstrapped.class, true),
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
  /**
   * node id -> the Raft address and role it had in a Raft configuration this node saw: the members
   * a leader may put back by itself. Node-local, so no log entry (forged or not) writes it.
   */
  RAFT_MEMBERS("raft_members", io.cairn.cluster.RaftMember.class);

  private final String columnFamily;
  private final Class<?> valueType;
  private final boolean replicated;

  Table(String columnFamily, Class<?> valueType) {
    this(columnFamily, valueType, false);
  }

  Table(String columnFamily, Class<?> valueType, boolean replicated) {
    this.columnFamily = columnFamily;
    this.valueType = valueType;
    this.replicated = replicated;
  }

  /** Control state: changed only through the log, the same on every node of a cluster. */
  public boolean replicated() {
    return replicated;
  }

  public String columnFamily() {
    return columnFamily;
  }

  public Class<?> valueType() {
    return valueType;
  }
}
