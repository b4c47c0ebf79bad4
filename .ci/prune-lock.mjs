// Makes package-lock.json valid for `npm ci` on this project's machines. Their registry mirror serves
// only the Linux x64 builds of platform packages (e.g. @rollup/rollup-android-arm-eabi is a 404), so
// npm cannot record the others and `npm ci` then rejects the lock as "Missing: … from lock file".
// Run after any `npm install` that changes dependencies: node .ci/prune-lock.mjs
import fs from 'node:fs';
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const have = new Set(Object.keys(lock.packages));
let dropped = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  if (!pkg.optionalDependencies) continue;
  for (const name of Object.keys(pkg.optionalDependencies)) {
    // resolution: nested first, then top level
    const nested = `${path ? path + '/' : ''}node_modules/${name}`;
    if (!have.has(nested) && !have.has(`node_modules/${name}`)) {
      delete pkg.optionalDependencies[name];
      dropped++;
    }
  }
  if (Object.keys(pkg.optionalDependencies).length === 0) delete pkg.optionalDependencies;
}
fs.writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log('dropped', dropped);
