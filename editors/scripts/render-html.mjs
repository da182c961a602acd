// Renders a .svc file to HTML with shiki and the VS Code TextMate grammar,
// once with a dark and once with a light theme, side by side.
//   node render-html.mjs FILE OUT.html   prints "WIDTH HEIGHT" of the page
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHighlighter } from 'shiki';

const here = path.dirname(fileURLToPath(import.meta.url));
const grammar = JSON.parse(
  fs.readFileSync(path.join(here, '..', 'vscode', 'syntaxes', 'svc.tmLanguage.json'), 'utf8'),
);
const [file, out] = process.argv.slice(2);
const code = fs.readFileSync(file, 'utf8').replace(/\n+$/, '');
const themes = [
  ['dark-plus', 'Dark+ (VS Code)'],
  ['github-light', 'GitHub Light'],
];
const highlighter = await createHighlighter({
  themes: themes.map(([t]) => t),
  langs: [{ ...grammar, name: 'svc' }],
});

const lines = code.split('\n');
const longest = Math.max(...lines.map((l) => l.length));
const charWidth = 8.4; // 14px DejaVu Sans Mono
const lineHeight = 20;
const paneWidth = Math.ceil(longest * charWidth) + 48;
const height = lines.length * lineHeight + 2 * 24 + 36;
const panes = themes
  .map(([theme, title]) => {
    const html = highlighter.codeToHtml(code, { lang: 'svc', theme });
    return `<figure><figcaption>${title}</figcaption>${html}</figure>`;
  })
  .join('\n');
const width = 2 * paneWidth + 3 * 12;
fs.writeFileSync(
  out,
  `<!doctype html>
<meta charset="utf-8">
<style>
  html, body { margin: 0; background: #d0d4da; }
  body { display: flex; gap: 12px; padding: 12px; box-sizing: border-box; width: ${width}px; }
  figure { margin: 0; width: ${paneWidth}px; }
  figcaption { font: 13px/20px "DejaVu Sans", sans-serif; color: #333; height: 24px; }
  pre { margin: 0; padding: 24px; border-radius: 6px; height: ${height - 36 - 48}px;
        font: 14px/${lineHeight}px "DejaVu Sans Mono", monospace; overflow: hidden; }
</style>
<body>
${panes}
</body>
`,
);
console.log(`${width} ${height + 24}`);
