/** `gpulet fixes`: the named departures from the authors' artifact, with what each changes. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { FIXES, FIX_NAMES } from '../../engine/schedulers/fixes.ts';
import { print, type Command, type Common } from './common.ts';

export const fixes: Command<Common> = (io) => ({
  command: 'fixes',
  describe: "List the fixes (departures from the authors' artifact) that --fixes switches; all are on by default",
  builder: (y: Argv) => y as unknown as Argv<Common>,
  handler: (a: ArgumentsCamelCase<Common>) => {
    const rows = FIX_NAMES.map((name) => ({ name, artifact: FIXES[name].artifact, fixed: FIXES[name].fixed }));
    print(io, a.format, { fixes: rows }, () =>
      [
        '--fixes all (the default) turns every fix on; --fixes none follows the artifact exactly; or a comma list of names.',
        '',
        ...rows.flatMap((r) => [`${r.name}`, `  artifact: ${r.artifact}`, `  fixed:    ${r.fixed}`]),
      ].join('\n'),
    );
  },
});
