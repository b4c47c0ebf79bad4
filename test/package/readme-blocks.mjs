// The README's code blocks that CI runs verbatim: the snippet (the first ```js block importing
// 'tlib-client') and the tsconfig.json of its TypeScript section (the ```json block with
// "compilerOptions"). Used by test/package/quickstart.test.ts and by .ci/run:
//   node readme-blocks.mjs snippet < README.md > quickstart.mjs
//   node readme-blocks.mjs tsconfig < README.md > tsconfig.json
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @param {string} readme @param {string} lang @returns {string[]} */
function blocks(readme, lang) {
  return [...readme.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]);
}

/** @param {string} readme */
export function readmeSnippet(readme) {
  const found = blocks(readme, 'js').find((b) => /from 'tlib-client'/.test(b));
  if (!found) throw new Error("README has no ```js block importing 'tlib-client'");
  return found;
}

/** @param {string} readme */
export function readmeTsconfig(readme) {
  const found = blocks(readme, 'json').find((b) => b.includes('"compilerOptions"'));
  if (!found) throw new Error('README has no ```json block with "compilerOptions"');
  JSON.parse(found); // it must be valid JSON as printed
  return found;
}

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isMain) {
  const which = process.argv[2];
  const readme = readFileSync(0, 'utf8');
  if (which === 'snippet') process.stdout.write(readmeSnippet(readme));
  else if (which === 'tsconfig') process.stdout.write(readmeTsconfig(readme));
  else {
    console.error('usage: node readme-blocks.mjs snippet|tsconfig < README.md');
    process.exitCode = 2;
  }
}
