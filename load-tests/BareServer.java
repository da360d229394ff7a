// Baseline for the API benchmark: a bare Vert.x route returning fixed bytes, no Cairn code at all.
// Run with the Cairn jar on the class path: java -cp target/cairn.jar load-tests/BareServer.java PORT BODY_FILE
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;

public class BareServer {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Buffer body = Buffer.buffer(Files.readAllBytes(Path.of(args[1])));
    Vertx vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.get("/api/v1/workloads/:name").handler(ctx ->
        ctx.response().putHeader("Content-Type", "application/json").end(body));
    vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
        .onSuccess(s -> System.out.println("bare server on " + s.actualPort()))
        .onFailure(e -> { e.printStackTrace(); System.exit(1); });
  }
}
