// Packaging: the version comes from package.json; help texts name only files that ship in
// the package (package.json `files`) and nothing outside the repository; man/dmagate.1 is
// what `npm run man` generates now; completion scripts cover every command and option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { buildProgram, packageVersion } from '../../src/cli/main.js';
import { manPage } from '../../src/cli/manpage.js';
import { bashCompletion, zshCompletion } from '../../src/cli/completion.js';
import { clis, REPO } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; files: string[]; man: string[]; scripts: Record<string, string> };
const program = await buildProgram();

/** Every help text of the program, as `dmagate [cmd] --help` prints it. */
function allHelp(p: Command): string[] {
  const texts: string[] = [];
  for (const c of [p, ...p.commands]) {
    let buf = c.helpInformation();
    (c as unknown as import('node:events').EventEmitter).emit('afterHelp', { error: false, command: c, write: (s: string) => (buf += s) });
    texts.push(buf);
  }
  return texts;
}

test('--version prints package.json\'s version', () => {
  assert.equal(packageVersion(), pkg.version);
  const r = clis([['--version'], ['-V']]);
  for (const x of r) assert.equal(x.out.trim(), pkg.version);
});

test('help texts name only files inside the package, never ../shared', () => {
  const help = allHelp(program).join('\n');
  assert.doesNotMatch(help, /\.\.\/shared|\/work\//);
  const named = [...new Set(help.match(/\b(?:docs|man|scenarios|data)\/[\w./-]*\w/g) ?? [])];
  assert.ok(named.includes('docs/json.md') && named.includes('docs/scenario.md'), named.join(' '));
  for (const f of named) {
    assert.ok(existsSync(join(REPO, f)), `${f} is named in a help text but does not exist`);
    assert.ok(pkg.files.includes(f.split('/')[0]), `${f} is not shipped (package.json files)`);
  }
});

test('docs/ and man/ ship; package.json man lists the page; npm run man exists', () => {
  for (const d of ['docs', 'man']) assert.ok(pkg.files.includes(d), d);
  assert.deepEqual(pkg.man, ['./man/dmagate.1']);
  assert.ok(pkg.scripts.man);
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  for (const f of ['docs/json.md', 'docs/scenario.md', 'docs/verification.md', 'docs/schemas/verify.schema.json', 'man/dmagate.1']) assert.ok(files.includes(f), f);
});

test('man/dmagate.1 is up to date (regenerate with npm run man)', () => {
  assert.equal(readFileSync(join(REPO, 'man/dmagate.1'), 'utf8'), manPage(program, packageVersion()), 'man/dmagate.1 is stale: run `npm run man`');
});

test('the man page renders without warnings and has every command and its options', { skip: spawnSync('groff', ['--version']).status === 0 ? false : 'groff not installed' }, () => {
  const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: readFileSync(join(REPO, 'man/dmagate.1')), encoding: 'utf8' });
  assert.equal(r.stderr, '');
  const page = readFileSync(join(REPO, 'man/dmagate.1'), 'utf8');
  for (const c of program.commands.filter((c) => c.name() !== 'help')) {
    assert.match(page, new RegExp(`^\\.SS "dmagate ${c.name()} `, 'm'));
    for (const o of c.options as readonly Option[]) if (o.long) assert.ok(page.includes(o.long.replace(/-/g, '\\-')), `${c.name()} ${o.long}`);
  }
  assert.match(page, /^\.SH EXIT STATUS$/m);
});

test('bash completion: every command; per command its options; option values from the vocabularies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-compl-'));
  const f = join(dir, 'dmagate.bash');
  writeFileSync(f, bashCompletion(program));
  const complete = (words: string[]): string[] => {
    const script = `source ${f}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _dmagate; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((s) => s !== '');
  };
  assert.deepEqual(complete(['dmagate', '']).filter((w) => !w.startsWith('-')).sort(), [...program.commands.map((c) => c.name()), 'help'].sort());
  assert.deepEqual(complete(['dmagate', 'verify', '--inv']), ['--invariant']);
  assert.deepEqual(complete(['dmagate', 'verify', '--iommu', 'in']), ['intel', 'intel-legacy']);
  assert.deepEqual(complete(['dmagate', 'matrix', '--fail-on', '']), ['violated', 'inconclusive', 'never']);
  assert.deepEqual(complete(['dmagate', 'audit', '--fail-on', 'm']), ['medium']);
  assert.deepEqual(complete(['dmagate', 'completion', 'z']), ['zsh']);
  for (const c of program.commands.filter((c) => c.name() !== 'help')) {
    const opts = complete(['dmagate', c.name(), '--']);
    for (const o of c.options as readonly Option[]) if (o.long) assert.ok(opts.includes(o.long), `${c.name()} ${o.long}`);
  }
});

test('zsh completion parses and names every command and option', { skip: spawnSync('zsh', ['--version']).status === 0 ? false : 'zsh not installed' }, () => {
  const text = zshCompletion(program);
  const r = spawnSync('zsh', ['-n'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const c of program.commands.filter((c) => c.name() !== 'help')) {
    assert.match(text, new RegExp(`^\\s+${c.name()}\\) _arguments`, 'm'));
    for (const o of c.options as readonly Option[]) if (o.long) assert.ok(text.includes(`${o.long}[`), `${c.name()} ${o.long}`);
  }
});

test('dmagate completion bash is the generated script', () => {
  const r = clis([['completion', 'bash']])[0];
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, bashCompletion(program));
});

test('docs/verification.md lists the default combinations exactly (matrix --help points there)', async () => {
  const { DEFAULT_COMBINATIONS_TEXT } = await import('../../src/verify/combinations.js');
  const doc = readFileSync(join(REPO, 'docs/verification.md'), 'utf8');
  assert.ok(doc.includes('```\n' + DEFAULT_COMBINATIONS_TEXT.trim() + '\n```'));
});
