import { Option } from 'commander';
import type { CliCommandModule } from '../index.ts';
import type { IssueFlags, TrustAddFlags } from './doc.action.ts';
import { DEFAULT_VERIFY_BASE_URL as DOC_DEFAULT_VERIFY_BASE_URL } from '../../../fixtures/documents/constants.ts';
import { DEFAULT_SEED as RUN_DEFAULT_SEED } from '../../defaults.ts';
import { docMessages } from './doc.messages.ts';

// `ecert doc issue` issues one test document exactly as a run's sender would (fixtures/issue.ts),
// for testers who want a file to feed a real hub, portal or national system by hand;
// `ecert doc variants` lists the variants; `ecert doc envelope` writes the envelope of a PDF
// that a country's own tool signed (the unsigned path: issue --unsigned, sign, envelope, verify).
// The document factory is loaded from doc.action.ts only when a command runs, so help is fast.

type Key = Parameters<typeof docMessages.t>[1];
type Params = Parameters<typeof docMessages.t>[2];

/** The seed of the document data when none is given. */
export const DEFAULT_DOC_SEED = '1';
const collect = (value: string, previous: string[] = []) => [...previous, value];
const actions = () => import('./doc.action.ts');

export const docCommand: CliCommandModule = {
  register(program, ctx) {
    const t = (k: Key, p?: Params) => docMessages.t(ctx.lang, k, p);
    const doc = program.command('doc').description(t('doc.description'));
    doc
      .command('issue')
      .description(t('issue.description'))
      .requiredOption('--country <cc>', t('option.country'))
      .option('--type <type>', t('option.type'))
      .option('--to <cc>', t('option.to'))
      .option('--product <hs>', t('option.product'))
      .addOption(new Option('--variant <name>', t('option.variant')).default('genuine'))
      .addOption(new Option('--seed <seed>', t('option.seed', { seed: DEFAULT_DOC_SEED })).default(DEFAULT_DOC_SEED))
      .addOption(new Option('--pki-seed <seed>', t('option.pkiSeed', { seed: RUN_DEFAULT_SEED })).default(RUN_DEFAULT_SEED))
      .option('--issued-at <iso-time>', t('option.issuedAt'))
      .option('--verify-url <url>', t('option.verifyUrl', { url: DOC_DEFAULT_VERIFY_BASE_URL }))
      .addOption(new Option('--sub-filter <name>', t('option.subFilter')).default('adbe.pkcs7.detached'))
      .option('--unsigned', t('option.unsigned'))
      .requiredOption('--out <dir>', t('option.out'))
      .option('--force', t('option.force'))
      .option('--json', t('option.json'))
      .action(async (flags: IssueFlags) => (await actions()).issue(flags, ctx));
    doc
      .command('variants')
      .description(t('variants.description'))
      .option('--json', t('option.json'))
      .action(async (flags: { json?: boolean }) => (await actions()).variants(flags, ctx));
    doc
      .command('envelope')
      .description(t('envelope.description'))
      .argument('<signed.pdf>')
      .option('--out <file>', t('option.envelopeOut'))
      .option('--force', t('option.force'))
      .action(async (file: string, flags: { out?: string; force?: boolean }) => (await actions()).envelope(file, flags, ctx));
    doc
      .command('trust-add')
      .description(t('trustAdd.description'))
      .requiredOption('--trust <file>', t('option.trustFile'))
      .requiredOption('--country <cc>', t('option.trustCountry'))
      .option('--cert <file>', t('option.cert'))
      .option('--anchor <file>', t('option.anchor'), collect)
      .option('--intermediate <file>', t('option.intermediate'), collect)
      .option('--label <text>', t('option.label'))
      .option('--revoked', t('option.revoked'))
      .action(async (flags: TrustAddFlags) => (await actions()).trustAdd(flags, ctx));
  },
};
