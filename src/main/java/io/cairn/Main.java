package io.cairn;

import io.cairn.agent.AgentCommand;
import io.cairn.cli.BucketCommands;
import io.cairn.cli.Cli;
import io.cairn.cli.CompletionCommand;
import io.cairn.cli.NodeCommands;
import io.cairn.cli.ObjectCommands;
import io.cairn.cli.TaskCommands;
import io.cairn.cli.WhereCommand;
import io.cairn.cli.WorkloadCommands;
import io.cairn.config.ConfigFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cairn} command: the agent and (later) the client subcommands share one jar. */
@Command(name = "cairn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Cairn: desired-state workloads, tasks and objects on one node or many.",
    subcommands = {AgentCommand.class, WorkloadCommands.class, NodeCommands.class, TaskCommands.class, WhereCommand.class,
        io.cairn.cli.EventsCommand.class,
        io.cairn.cli.AclCommands.Acl.class, io.cairn.cli.AclCommands.Token.class,
        BucketCommands.class,
        ObjectCommands.class, io.cairn.cli.TlsCommands.class,
        Main.VersionCommand.class,
        Main.ConfigCommand.class, CompletionCommand.class})
public final class Main implements Runnable {
  public static void main(String[] args) {
    int code = Cli.configure(commandLine()).execute(args);
    if (code != AgentCommand.KEEP_RUNNING) {
      System.exit(code);
    }
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"cairn " + version()};
    }
  }

  @Command(name = "version", description = "Print the version.")
  static final class VersionCommand implements Runnable {
    @Override
    public void run() {
      System.out.println("cairn " + version());
    }
  }

  @Command(name = "config", description = "Print every setting with its default, as conf/cairn.yaml.")
  static final class ConfigCommand implements Runnable {
    @Override
    public void run() {
      System.out.print(ConfigFile.render());
    }
  }
}
