import { type Argument, Command, CommanderError, Help, Option } from 'commander';
import { type Lang, isLang, langOfTag, resolveLang } from '../../protocol/i18n.ts';
import { CliError, EXIT } from './errors.ts';
import { cliMessages } from './messages.ts';

// The `ecert` command line. Commands are modules that register themselves on the commander
// program; bin/ecert.ts composes the runner's commands with those of rooms to the right of the
// runner (reports), which the runner itself may not import.

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether stdout is an interactive terminal (progress, colour). */
  isTTY: boolean;
}

export interface CliContext {
  io: CliIO;
  lang: Lang;
  /** Set the process exit code (the highest severity set wins is up to the command). */
  setExitCode(code: number): void;
  /** Hooks contributed by extensions, e.g. rendering reports once a run has finished. */
  hooks: CliHooks;
}

export interface CliHooks {
  /** Called after `ecert run` / `ecert pilot` finished writing a run directory. */
  onRunComplete: Array<(runDir: string, ctx: CliContext) => Promise<void>>;
}

export interface CliCommandModule {
  register(program: Command, ctx: CliContext): void;
}

export interface CliExtension {
  commands?: CliCommandModule[];
  onRunComplete?: (runDir: string, ctx: CliContext) => Promise<void>;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** Pre-scan for --lang so that help and parse errors are already in the right language. */
function langFromArgv(argv: readonly string[], env: NodeJS.ProcessEnv): Lang {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--lang' && argv[i + 1]) return resolveLang(argv[i + 1], env);
    if (arg.startsWith('--lang=')) return resolveLang(arg.slice('--lang='.length), env);
  }
  return resolveLang(undefined, env);
}

const HELP_TITLES: Record<string, Record<Lang, string>> = {
  'Usage:': { en: 'Usage:', ru: 'Использование:' },
  'Options:': { en: 'Options:', ru: 'Параметры:' },
  'Commands:': { en: 'Commands:', ru: 'Команды:' },
  'Arguments:': { en: 'Arguments:', ru: 'Аргументы:' },
  'Global Options:': { en: 'Global Options:', ru: 'Общие параметры:' },
};

class LocalizedHelp extends Help {
  constructor(private readonly lang: Lang) {
    super();
  }
  override styleTitle(title: string): string {
    return HELP_TITLES[title]?.[this.lang] ?? title;
  }
  // Descriptions come from the catalogs and say their defaults in the user's language; commander's
  // own English "(default: ...)" suffix would repeat them.
  override optionDescription(option: Option): string {
    return option.description;
  }
  override argumentDescription(argument: Argument): string {
    return argument.description;
  }
  override subcommandTerm(cmd: Command): string {
    return super.subcommandTerm(cmd).replace(' [options]', this.lang === 'ru' ? ' [параметры]' : ' [options]').replace(' [command]', this.lang === 'ru' ? ' [команда]' : ' [command]');
  }
  override commandUsage(cmd: Command): string {
    return super.commandUsage(cmd).replace('[options]', this.lang === 'ru' ? '[параметры]' : '[options]').replace('[command]', this.lang === 'ru' ? '[команда]' : '[command]');
  }
}

export function localizeCommand(cmd: Command, lang: Lang): Command {
  const help = lang === 'ru' ? 'показать справку по команде' : 'display help for command';
  cmd.helpOption('-h, --help', help);
  cmd.createHelp = () => Object.assign(new LocalizedHelp(lang), cmd.configureHelp());
  return cmd;
}

export interface BuiltCli {
  program: Command;
  /** Parse and run; resolves to the exit code. Never throws. */
  run(argv: readonly string[]): Promise<number>;
}

export function buildCli(modules: CliCommandModule[], extensions: CliExtension[] = [], io: CliIO = processIO()): BuiltCli {
  return {
    get program(): Command {
      return makeProgram(modules, extensions, io, langFromArgv([], io.env), () => {}).program;
    },
    async run(argv) {
      let exitCode: number = EXIT.ok;
      const lang = langFromArgv(argv, io.env);
      const { program, ctx } = makeProgram(modules, extensions, io, lang, (code) => {
        exitCode = Math.max(exitCode, code);
      });
      try {
        if (argv.length === 0) {
          io.stdout(program.helpInformation());
          return EXIT.ok;
        }
        await program.parseAsync([...argv], { from: 'user' });
        return exitCode;
      } catch (error) {
        return reportError(error, ctx, argv, program);
      }
    },
  };
}

function makeProgram(
  modules: CliCommandModule[],
  extensions: CliExtension[],
  io: CliIO,
  lang: Lang,
  setExitCode: (code: number) => void,
): { program: Command; ctx: CliContext } {
  const hooks: CliHooks = { onRunComplete: extensions.flatMap((e) => (e.onRunComplete ? [e.onRunComplete] : [])) };
  const ctx: CliContext = { io, lang, setExitCode, hooks };
  const program = new Command('ecert');
  localizeCommand(program, lang);
  program
    .description(cliMessages.t(lang, 'program.description'))
    .addOption(new Option('--lang <lang>', cliMessages.t(lang, 'option.lang')))
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .exitOverride();
  const all = [...modules, ...extensions.flatMap((e) => e.commands ?? [])];
  for (const mod of all) mod.register(program, ctx);
  // Every subcommand: localized help, errors thrown (not process.exit), output through io.
  const walk = (cmd: Command) => {
    for (const sub of cmd.commands) {
      localizeCommand(sub, lang);
      sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} });
      walk(sub);
    }
  };
  walk(program);
  // `help [command]` only where there are subcommands to ask about.
  const helpCommands = (cmd: Command) => {
    if (cmd.commands.length) cmd.helpCommand(lang === 'ru' ? 'help [команда]' : 'help [command]', lang === 'ru' ? 'показать справку по команде' : 'display help for command');
    else cmd.helpCommand(false);
    for (const sub of cmd.commands) helpCommands(sub);
  };
  helpCommands(program);
  program.hook('preAction', (thisCommand) => {
    // One language for messages; a command that renders reports may take a list (--lang en,ru).
    const requested = thisCommand.optsWithGlobals().lang as string | undefined;
    const bad = requested?.split(',').map((l) => l.trim()).find((l) => !isLang(l));
    if (requested !== undefined && bad !== undefined) throw new CliError(cliMessages.t(lang, 'error.badLang', { lang: bad }));
    // A mistyped ECERT_LANG must not silently give English: say so once, then go on.
    const envLang = io.env.ECERT_LANG?.trim();
    if (requested === undefined && envLang && !langOfTag(envLang)) {
      io.stderr(`${cliMessages.t(lang, 'warning.badEnvLang', { lang: envLang })}\n`);
    }
  });
  return { program, ctx };
}

/** The command path the user typed ("run", "hub start"): words that name subcommands, not option values. */
function commandName(argv: readonly string[], program: Command): string {
  const path: string[] = [];
  let cmd = program;
  for (const word of argv) {
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) continue;
    path.push(sub.name());
    cmd = sub;
  }
  return path.join(' ') || 'ecert';
}

function reportError(error: unknown, ctx: CliContext, argv: readonly string[], program: Command): number {
  const { io, lang } = ctx;
  const prefix = cliMessages.t(lang, 'error.prefix');
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    const command = commandName(argv, program);
    const detail = /'([^']+)'/.exec(error.message)?.[1] ?? error.message;
    const byCode: Record<string, string> = {
      'commander.unknownCommand': cliMessages.t(lang, 'error.unknownCommand', { command: detail }),
      'commander.unknownOption': cliMessages.t(lang, 'error.unknownOption', { option: detail, command }),
      'commander.missingArgument': cliMessages.t(lang, 'error.missingArgument', { argument: detail, command }),
      'commander.missingMandatoryOptionValue': cliMessages.t(lang, 'error.missingOption', { option: detail, command }),
      'commander.optionMissingArgument': cliMessages.t(lang, 'error.missingOption', { option: detail, command }),
      'commander.excessArguments': cliMessages.t(lang, 'error.excessArguments', { command }),
    };
    // commander's own "(Did you mean X?)" is English: say it again through the catalog.
    const suggested = /\(Did you mean ([^)]+)\?\)/.exec(error.message)?.[1];
    const suggestion = suggested ? cliMessages.t(lang, 'error.didYouMean', { suggestion: suggested }) : '';
    const text = byCode[error.code] ?? error.message.replace(/^error: /, '');
    io.stderr(`${prefix}: ${text}${suggestion && !text.includes(suggestion) ? ` ${suggestion}` : ''}\n`);
    return EXIT.usage;
  }
  if (error instanceof CliError) {
    io.stderr(`${prefix}: ${error.message}\n`);
    if (error.hint) io.stderr(`${cliMessages.t(lang, 'error.hint')}: ${error.hint}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`${prefix}: ${cliMessages.t(lang, 'error.internal', { message })}\n`);
  if (io.env.ECERT_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return EXIT.internal;
}
