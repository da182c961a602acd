// Tokenizes .svc files with the VS Code TextMate grammar (vscode-textmate,
// the engine VS Code uses) and fails when a token gets an `invalid.*` scope.
//
//   node textmate-scan.mjs FILE...          scan; exit 1 on an invalid scope
//   node textmate-scan.mjs --dump FILE      print every token with its scopes
//
// A file whose `// expect:` header lists svc::syntax::escape may contain
// `invalid.illegal.escape` tokens, and one that lists
// svc::syntax::interpolation `invalid.illegal.interpolation` tokens: the
// compiler reports those too.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = path.dirname(fileURLToPath(import.meta.url));
const grammarPath = path.join(here, '..', 'vscode', 'syntaxes', 'svc.tmLanguage.json');

const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
await oniguruma.loadWASM(wasm);
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
});
const grammar = await registry.loadGrammar('source.svc');

function tokenize(text) {
  const out = [];
  let stack = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((line, i) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const t of result.tokens) {
      out.push({ line: i + 1, col: t.startIndex + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    stack = result.ruleStack;
  });
  return out;
}

const args = process.argv.slice(2);
if (args[0] === '--dump') {
  for (const t of tokenize(fs.readFileSync(args[1], 'utf8'))) {
    if (t.text.trim() === '') continue;
    console.log(`${t.line}:${t.col}\t${JSON.stringify(t.text)}\t${t.scopes.slice(1).join(' ')}`);
  }
  process.exit(0);
}

let bad = 0;
for (const file of args) {
  const text = fs.readFileSync(file, 'utf8');
  const expects = (code) => new RegExp(`^// expect:.*\\bsvc::syntax::${code}\\b`, 'm').test(text);
  const tolerated = ['escape', 'interpolation'].filter(expects).map((code) => `invalid.illegal.${code}`);
  for (const t of tokenize(text)) {
    const invalid = t.scopes.filter((s) => s.startsWith('invalid'));
    const allowed = invalid.every((s) => tolerated.some((prefix) => s.startsWith(prefix)));
    if (invalid.length && !allowed) {
      console.log(`${file}:${t.line}:${t.col}: ${JSON.stringify(t.text)} is ${invalid.join(' ')}`);
      bad++;
    }
  }
}
console.log(`textmate: ${args.length} file(s) scanned, ${bad} invalid token(s)`);
process.exit(bad ? 1 : 0);
