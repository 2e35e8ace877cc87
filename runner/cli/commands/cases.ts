import type { CliCommandModule } from '../index.ts';
import { labelText } from '../../engine/findings.ts';
import { runMessages } from './run.messages.ts';
import { selectionOptions } from './run.ts';

export const casesCommand: CliCommandModule = {
  register(program, ctx) {
    const m = (key: Parameters<typeof runMessages.t>[1]) => runMessages.t(ctx.lang, key);
    selectionOptions(program.command('cases').description(m('cases.description')), ctx)
      .option('--json', m('option.casesJson'))
      .action(async (flags: { config?: string; countries?: string[]; category?: string[]; case?: string; tag?: string[]; json?: boolean }) => {
        // The case catalog is loaded only when cases are listed, so other commands start fast.
        const { resolveSelection, selectCases } = await import('../../selection.ts');
        const cfg = await resolveSelection(
          {
            cwd: ctx.io.cwd,
            kind: 'catalog',
            ...(flags.config ? { configFile: flags.config } : {}),
            ...(flags.countries ? { countries: flags.countries } : {}),
            ...(flags.category ? { categories: flags.category } : {}),
            ...(flags.case ? { pattern: flags.case } : {}),
            ...(flags.tag ? { tags: flags.tag } : {}),
          },
          ctx.lang,
        );
        const cases = await selectCases(cfg);
        if (flags.json) {
          ctx.io.stdout(`${JSON.stringify(cases.map(({ steps: _s, ...c }) => c), null, 2)}\n`);
          return;
        }
        const countries = cfg.selection.countries ?? cfg.federation;
        ctx.io.stdout(`${runMessages.t(ctx.lang, 'cases.header', { total: cases.length, countries: countries.join(', ') })}\n${m('cases.columns')}\n`);
        const width = Math.max(...cases.map((c) => c.id.length));
        for (const c of cases) {
          ctx.io.stdout(`${c.id.padEnd(width)}  ${labelText(ctx.lang, `category.${c.category}`).padEnd(18)}  ${c.sender} -> ${c.recipient}  ${c.title[ctx.lang]}${c.needs.length ? `  ${runMessages.t(ctx.lang, 'cases.needs', { capabilities: c.needs.join(', ') })}` : ''}\n`);
        }
      });
  },
};
