import { DEFAULT_POLICY, POLICIES } from '../../../protocol/policy.ts';
import type { CliCommandModule } from '../index.ts';
import type { VerifyFlags } from './verify.action.ts';
import { verifyMessages } from './verify.messages.ts';

// `ecert verify FILE.pdf`: the independent verifier for a tester in the field. Exit 0 when the
// document is valid, 1 when it is not (or cannot be confirmed), 2 when the input is unusable:
// a missing or non-PDF file, an envelope that is not JSON or breaks the envelope schema, a trust
// file that does not load. An envelope whose only problems lie in its metadata is still used:
// the metadata check reports those (METADATA_SCHEMA_INVALID), which is a finding, not a usage error.
// The verifier is loaded from verify.action.ts only when a document is verified.

type Key = Parameters<typeof verifyMessages.t>[1];
type Params = Parameters<typeof verifyMessages.t>[2];

const actions = () => import('./verify.action.ts');

export const verifyCommand: CliCommandModule = {
  register(program, ctx) {
    const t = (k: Key, p?: Params) => verifyMessages.t(ctx.lang, k, p);
    program
      .command('verify')
      .description(t('verify.description'))
      .argument('<file.pdf>')
      .option('--envelope <file.json>', t('option.envelope'))
      .option('--trust <file>', t('option.trust'))
      .option('--at <iso-time>', t('option.at'))
      .option('--policy <name>', t('option.policy', { policies: Object.keys(POLICIES).join(', '), default: DEFAULT_POLICY.name }))
      .option('--json', t('option.json'))
      .action(async (file: string, flags: VerifyFlags) => (await actions()).verify(file, flags, ctx));
  },
};
