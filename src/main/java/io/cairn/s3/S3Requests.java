package io.cairn.s3;

import io.cairn.objects.MultipartUpload;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Reads the XML bodies S3 clients send (complete-multipart, delete-objects), with entities disabled. */
final class S3Requests {
  private S3Requests() {}

  static Document parse(Buffer body) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setExpandEntityReferences(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      return b.parse(new ByteArrayInputStream(body.getBytes()));
    } catch (Exception e) {
      throw new S3Exception(400, "MalformedXML", "the XML you provided was not well-formed");
    }
  }

  static List<MultipartUpload.PartRef> completeParts(Buffer body) {
    List<MultipartUpload.PartRef> parts = new ArrayList<>();
    NodeList nodes = parse(body).getElementsByTagName("Part");
    for (int i = 0; i < nodes.getLength(); i++) {
      Element part = (Element) nodes.item(i);
      try {
        int number = Integer.parseInt(text(part, "PartNumber"));
        parts.add(new MultipartUpload.PartRef(number, text(part, "ETag").replace("\"", "").trim()));
      } catch (NumberFormatException | NullPointerException e) {
        throw new S3Exception(400, "MalformedXML", "each Part needs a PartNumber and an ETag");
      }
    }
    return parts;
  }

  /** The keys of a DeleteObjects request, and whether it asked for a quiet reply. */
  record DeleteList(List<String> keys, boolean quiet) {}

  static DeleteList deleteKeys(Buffer body) {
    Document doc = parse(body);
    List<String> keys = new ArrayList<>();
    NodeList objects = doc.getElementsByTagName("Object");
    for (int i = 0; i < objects.getLength(); i++) {
      String key = text((Element) objects.item(i), "Key");
      if (key == null) {
        throw new S3Exception(400, "MalformedXML", "each Object needs a Key");
      }
      keys.add(key);
    }
    if (keys.size() > 1000) {
      throw new S3Exception(400, "MalformedXML", "at most 1000 keys per request");
    }
    NodeList quiet = doc.getElementsByTagName("Quiet");
    return new DeleteList(keys, quiet.getLength() > 0 && "true".equalsIgnoreCase(quiet.item(0).getTextContent().trim()));
  }

  private static String text(Element parent, String tag) {
    NodeList n = parent.getElementsByTagName(tag);
    return n.getLength() == 0 ? null : n.item(0).getTextContent();
  }
}
