import type { Command } from 'commander';
import { isLang, type Lang } from '../protocol/i18n.ts';
import { localizeCommand, type CliContext, type CliExtension } from '../runner/cli/index.ts';
import { UsageError } from '../runner/cli/errors.ts';
import { reportsCliMessages as m } from './cli.messages.ts';

// The reports room's part of the `ecert` command:
//   ecert report RUN_DIR [--lang en,ru] [--out DIR]   re-render the reports from the run's files
//   ecert evidence verify RUN_DIR [--trusted-cert F]  exit 0 intact (without --trusted-cert: with a
//                                                      warning that the signer is not authenticated),
//                                                      1 altered or sealed by another tester, 2 unreadable
//   ecert evidence seal RUN_DIR [--force]              write and sign the manifest; refuses to re-seal
//                                                      a run whose files changed since, unless --force
// and the hook that renders and seals every run when `ecert run` / `ecert pilot` finish.
// The commands are registered here; what they do is in cli-actions.ts, loaded (with the renderers'
// echarts and pdfmake) only when one of them runs, so that every other `ecert` command starts fast.

const actions = () => import('./cli-actions.ts');

/** Report languages asked for with a comma list; the global --lang option takes one language only. */
const LANG_LISTS = new WeakMap<CliContext, Lang[]>();

function parseLangs(value: string, lang: Lang): Lang[] {
  const langs = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const l of langs) if (!isLang(l)) throw new UsageError(m.t(lang, 'report.badLang', { lang: l }));
  return [...new Set(langs)] as Lang[];
}

export const reportsExtension: CliExtension = {
  commands: [
    {
      register(program: Command, ctx: CliContext) {
        const { lang } = ctx;
        // The global --lang takes one language; `ecert report --lang en,ru` asks for several.
        // This hook runs before the frame's own check and keeps the list for the report command.
        program.hook('preAction', (thisCommand, actionCommand) => {
          const requested = thisCommand.opts().lang as string | undefined;
          if (actionCommand.name() !== 'report' || !requested?.includes(',')) return;
          const langs = parseLangs(requested, lang);
          LANG_LISTS.set(ctx, langs);
          thisCommand.setOptionValue('lang', langs[0]);
        });
        program
          .command('report')
          .description(m.t(lang, 'report.description'))
          .argument('<runDir>', m.t(lang, 'report.arg.runDir'))
          .option('--out <dir>', m.t(lang, 'report.option.out'))
          .addHelpText('after', `\n  --lang <langs>  ${m.t(lang, 'report.option.lang')}\n`)
          .action(async (runDirArg: string, opts: { out?: string }, cmd: Command) => {
            const requested = cmd.optsWithGlobals().lang as string | undefined;
            const langs = LANG_LISTS.get(ctx) ?? (requested ? parseLangs(requested, lang) : (['en', 'ru'] as Lang[]));
            await (await actions()).report(runDirArg, opts, langs, ctx);
          });
        const evidence = localizeCommand(program.command('evidence').description(m.t(lang, 'evidence.description')), lang);
        evidence
          .command('verify')
          .description(m.t(lang, 'verify.description'))
          .argument('<runDir>', m.t(lang, 'report.arg.runDir'))
          .option('--trusted-cert <file>', m.t(lang, 'verify.option.trusted'))
          .option('--json', m.t(lang, 'verify.option.json'))
          .action(async (runDirArg: string, opts: { trustedCert?: string; json?: boolean }) => (await actions()).evidenceVerify(runDirArg, opts, ctx));
        evidence
          .command('seal')
          .description(m.t(lang, 'seal.description'))
          .argument('<runDir>', m.t(lang, 'report.arg.runDir'))
          .option('--force', m.t(lang, 'seal.option.force'))
          .action(async (runDirArg: string, opts: { force?: boolean }) => {
            const a = await actions();
            await a.seal(a.fullPath(ctx.io.cwd, runDirArg), ctx, opts);
          });
      },
    },
  ],
  /** Render every report of the run, then seal it, so the manifest covers the reports too. */
  async onRunComplete(runDir: string, ctx: CliContext) {
    await (await actions()).renderAndSeal(runDir, ctx);
  },
};
