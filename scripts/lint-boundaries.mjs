#!/usr/bin/env node
// Checks the dependency direction between workspace packages by scanning the import specifiers in
// <packageDir>/src/**/*.ts:
//
//   cli → {pitr-planner, granular-restore, binlog-archiver} → core
//
// - core imports no @pitr package; the middle packages import only @pitr/core; nothing imports
//   @pitr/cli (except the end-to-end tests in test/, which drive it);
// - no deep imports (`@pitr/core/src/...`, `@pitr/core/dist/x.js`): only a package's entry point;
// - no relative imports that leave the package (`../../core/src/...`), except that test files may
//   use the dev-only harness in tools/src;
// - @pitr/tools (the dev harness) only from test files.
//
// Usage: node scripts/lint-boundaries.mjs <packageDir>...   (exit 1 on a violation)
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

/** Which @pitr packages each package may import (its public entry point only). */
const ALLOWED = {
  '@pitr/core': [],
  '@pitr/binlog-archiver': ['@pitr/core'],
  '@pitr/pitr-planner': ['@pitr/core'],
  '@pitr/granular-restore': ['@pitr/core'],
  '@pitr/cli': ['@pitr/core', '@pitr/pitr-planner', '@pitr/granular-restore', '@pitr/binlog-archiver'],
  '@pitr/tools': ['@pitr/core'],
  '@pitr/e2e': ['@pitr/core', '@pitr/pitr-planner', '@pitr/granular-restore', '@pitr/binlog-archiver', '@pitr/cli'],
};

const TEST_FILE = /\.test\.ts$|(^|[/\\])(__tests__|test-support)[/\\]/;

function listTs(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listTs(p));
    else if (/\.(c|m)?tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Blanks out comments but keeps string literals and line numbers intact. */
function stripComments(src) {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === '/' && d === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && d === '*') {
      i += 2;
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) {
        if (src[i] === '\n') out += '\n';
        i++;
      }
      i += 2;
    } else if (c === '"' || c === "'" || c === '`') {
      const q = c;
      out += src[i++];
      while (i < n && src[i] !== q) {
        if (src[i] === '\\') out += src[i++];
        if (i < n) out += src[i++];
      }
      if (i < n) out += src[i++];
    } else {
      out += src[i++];
    }
  }
  return out;
}

const SPECIFIER_PATTERNS = [
  // import x from '...'; import { a } from '...'; export * from '...'; import type { T } from '...'
  /\b(?:import|export)\s+(?:type\s+)?[\w*{}\s,$]*?\s*from\s*['"]([^'"]+)['"]/g,
  // import '...'; (side effects)
  /\bimport\s*['"]([^'"]+)['"]/g,
  // import('...'), require('...'), vi.mock('...')
  /\b(?:import|require|vi\.mock|vi\.importActual)\s*\(\s*['"]([^'"]+)['"]/g,
];

function specifiers(src) {
  const code = stripComments(src);
  const found = [];
  for (const re of SPECIFIER_PATTERNS) {
    re.lastIndex = 0;
    let m;
    while ((m = re.exec(code)) !== null) {
      const line = code.slice(0, m.index).split('\n').length;
      found.push({ spec: m[1], line });
    }
  }
  return found;
}

function lintPackage(packageDir) {
  const root = resolve(packageDir);
  const pkgFile = join(root, 'package.json');
  if (!existsSync(pkgFile)) return [`${packageDir}: no package.json`];
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const name = pkg.name;
  const allowed = ALLOWED[name];
  if (!allowed) return [`${packageDir}: unknown package ${name}; add it to ALLOWED in scripts/lint-boundaries.mjs`];
  const repoRoot = resolve(root, name === '@pitr/tools' || name === '@pitr/e2e' ? '..' : '../..');
  const toolsSrc = join(repoRoot, 'tools', 'src') + sep;
  const srcDir = name === '@pitr/e2e' ? root : join(root, 'src');
  const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies }));
  const problems = [];

  const files = listTs(srcDir);
  for (const file of files) {
    const rel = relative(repoRoot, file);
    const isTest = TEST_FILE.test(rel);
    for (const { spec, line } of specifiers(readFileSync(file, 'utf8'))) {
      const where = `${rel}:${line}`;
      if (spec.startsWith('@pitr/')) {
        const parts = spec.split('/');
        const target = `${parts[0]}/${parts[1]}`;
        if (parts.length > 2) {
          problems.push(`${where}: deep import '${spec}'; import '${target}' (its src/index.ts exports)`);
        }
        if (target === name) {
          problems.push(`${where}: imports its own package '${spec}'; use a relative import`);
          continue;
        }
        if (target === '@pitr/tools') {
          if (!isTest) problems.push(`${where}: '${spec}' is the dev-only test harness; only *.test.ts files may import it`);
          continue;
        }
        if (!allowed.includes(target)) {
          const rule =
            target === '@pitr/cli'
              ? 'nothing imports @pitr/cli'
              : allowed.length === 0
                ? `${name} imports no @pitr package`
                : `${name} may import only ${allowed.join(', ')}`;
          problems.push(`${where}: imports '${spec}': ${rule} (cli → {pitr-planner, granular-restore, binlog-archiver} → core)`);
        } else if (!declared.has(target)) {
          problems.push(`${where}: imports '${target}' but ${relative(repoRoot, pkgFile)} does not list it in dependencies`);
        }
      } else if (spec.startsWith('.')) {
        const abs = resolve(dirname(file), spec);
        if (abs === root || abs.startsWith(root + sep)) {
          if (/(^|[/\\])dist([/\\]|$)/.test(relative(root, abs))) {
            problems.push(`${where}: '${spec}' reaches into dist/; import the source file`);
          }
          continue;
        }
        if (isTest && (abs + sep).startsWith(toolsSrc)) continue;
        problems.push(
          `${where}: relative import '${spec}' leaves the package (${relative(repoRoot, abs)}); ` +
            'import the other package by name (@pitr/...) through its entry point',
        );
      }
    }
  }
  return { problems, files: files.length, name };
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node scripts/lint-boundaries.mjs <packageDir>...');
  process.exit(2);
}
let failed = false;
for (const dir of dirs) {
  const r = lintPackage(dir);
  const problems = Array.isArray(r) ? r : r.problems;
  if (problems.length > 0) {
    failed = true;
    console.error(`lint-boundaries: ${Array.isArray(r) ? dir : r.name}: ${problems.length} violation(s):`);
    for (const p of problems) console.error(`  ${p}`);
  } else {
    console.log(`lint-boundaries: ${r.name} ok (${r.files} files)`);
  }
}
process.exit(failed ? 1 : 0);
