// The code blocks of the documentation that CI runs verbatim: the README's snippet (its first ```js
// block importing 'tlib-client'), its tsconfig.json (the ```json block with "compilerOptions"), and
// the program each guide ends with (its last ```ts block). Used by test/package/quickstart.test.ts,
// test/examples/guides.test.ts and .ci/run:
//   node readme-blocks.mjs snippet < README.md > quickstart.mjs
//   node readme-blocks.mjs tsconfig < README.md > tsconfig.json
//   node readme-blocks.mjs program < docs/guides/router.md > router.ts
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

/** @param {string} markdown */
export function guideProgram(markdown) {
  const found = blocks(markdown, 'ts').at(-1);
  if (!found) throw new Error('the guide has no ```ts block');
  return found;
}

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isMain) {
  const which = process.argv[2];
  const readme = readFileSync(0, 'utf8');
  if (which === 'snippet') process.stdout.write(readmeSnippet(readme));
  else if (which === 'tsconfig') process.stdout.write(readmeTsconfig(readme));
  else if (which === 'program') process.stdout.write(guideProgram(readme));
  else {
    console.error('usage: node readme-blocks.mjs snippet|tsconfig|program < FILE.md');
    process.exitCode = 2;
  }
}
