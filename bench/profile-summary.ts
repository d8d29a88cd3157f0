// Summarises a V8 CPU profile of the service (`npm run bench -- --profile` writes one directory per run under
// bench/profiles/): self time by function (name + file) and by package, within one scenario's window (default: (1),
// the sustained load).
//
//   npx tsx bench/profile-summary.ts [run directory | file.cpuprofile] [--window s1|s1b|s2|s2c|s3|s1o|s2o|s1x|s1t|all] [--top 25]
//                                    [--callers writev]   (who calls a function: its self time by caller chain)
//
// A run directory holds one profile per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile): thread 0 is the
// main thread, the one that serves and delivers; tsx's module-hooks worker has its own, nearly idle.
// The profile's timestamps are µs of the monotonic clock, like the bench's nowMs(), so the windows that run.ts writes
// beside the profile cut it exactly; the process's start-up (compiling TypeScript, migrating) falls outside them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROFILE_DIR = join(REPO_ROOT, 'bench', 'profiles');
const IDLE = '(idle)';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { window: { type: 'string', default: 's1' }, top: { type: 'string', default: '25' }, callers: { type: 'string' } },
});

function newestRunDirectory(): string {
  const runs = existsSync(PROFILE_DIR) ? readdirSync(PROFILE_DIR).filter((name) => statSync(join(PROFILE_DIR, name)).isDirectory()) : [];
  if (runs.length === 0) throw new Error(`nothing in ${PROFILE_DIR}: run \`npm run bench -- --profile\` first`);
  return join(PROFILE_DIR, runs.sort((a, b) => statSync(join(PROFILE_DIR, b)).mtimeMs - statSync(join(PROFILE_DIR, a)).mtimeMs)[0]!);
}

/** The main thread's profile of a run directory (thread id 0 in the file name). */
function mainThreadProfile(directory: string): string {
  const files = readdirSync(directory).filter((name) => name.endsWith('.cpuprofile'));
  const main = files.find((name) => name.split('.')[4] === '0') ?? files[0];
  if (!main) throw new Error(`no .cpuprofile in ${directory} (the service writes it when it exits)`);
  return join(directory, main);
}

/** A readable location: repository-relative, node_modules/<package>/…, or node:internal/…. */
function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (!path.startsWith('/')) return path;
  const fromRepo = relative(REPO_ROOT, path);
  return fromRepo.startsWith('..') ? path : fromRepo;
}

/** What a location belongs to: an npm package, one of our directories, Node's internals, or V8's pseudo-frames. */
function packageOf(functionName: string, url: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8 builtins)';
  const location = shortUrl(url);
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location);
  if (inModules) return inModules[1]!;
  if (location.startsWith('node:')) return `node:${location.slice(5).split('/')[0] === 'internal' ? location.slice(5).split('/').slice(0, 2).join('/') : location.slice(5)}`;
  if (location.startsWith('src/') || location.startsWith('bench/')) return location.split('/').slice(0, 2).join('/').replace(/\.ts$/, '');
  return location;
}

const target = positionals[0] ?? newestRunDirectory();
const profilePath = statSync(target).isDirectory() ? mainThreadProfile(target) : target;
const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

// The window: a scenario's [from, to] in µs from the file run.ts wrote beside the profile, or the whole profile.
let [from, to] = [profile.startTime, profile.endTime];
let windowLabel = 'the whole profile';
const windowsPath = join(dirname(profilePath), 'windows.json');
if (args.window !== 'all' && existsSync(windowsPath)) {
  const windows = JSON.parse(readFileSync(windowsPath, 'utf8')) as Record<string, number[] | number>;
  const window = windows[args.window];
  const spawned = windows['spawned'] as number | undefined;
  // The same clock, or the cut is meaningless: the profile must begin within a minute of the process's spawn.
  if (Array.isArray(window) && spawned !== undefined && Math.abs(profile.startTime - spawned) < 60e6) {
    [from, to] = [window[0]!, window[1]!];
    windowLabel = `scenario ${args.window} (${((to - from) / 1e6).toFixed(1)} s, from ${((from - profile.startTime) / 1e6).toFixed(1)} s into the profile)`;
  } else {
    windowLabel = `the whole profile (no usable window "${args.window}" in ${windowsPath})`;
  }
}

// Self time: each sample is charged the interval until the next one (the last: the mean interval).
const selfUs = new Map<number, number>();
let time = profile.startTime;
const meanDelta = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
for (let i = 0; i < profile.samples.length; i++) {
  time += profile.timeDeltas[i] ?? 0;
  if (time < from || time > to) continue;
  const duration = profile.timeDeltas[i + 1] ?? meanDelta;
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + duration);
}

const byFunction = new Map<string, { name: string; location: string; us: number }>();
const byPackage = new Map<string, number>();
let totalUs = 0;
let idleUs = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  totalUs += us;
  if (functionName === IDLE) {
    idleUs += us;
    continue;
  }
  const name = functionName || '(anonymous)';
  const key = `${name}\u0000${url}`;
  const entry = byFunction.get(key) ?? { name, location: url ? `${shortUrl(url)}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}` : '', us: 0 };
  entry.us += us;
  byFunction.set(key, entry);
  const pkg = packageOf(functionName, url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}

const busyUs = totalUs - idleUs;
const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
const share = (us: number) => `${((100 * us) / Math.max(1, busyUs)).toFixed(1).padStart(5)}%`;
const top = Number(args.top);

console.log(`${relative(process.cwd(), profilePath)}: ${windowLabel}`);
console.log(`sampled ${(totalUs / 1e6).toFixed(2)} s: busy ${(busyUs / 1e6).toFixed(2)} s, idle ${(idleUs / 1e6).toFixed(2)} s (${((100 * busyUs) / Math.max(1, totalUs)).toFixed(0)}% of one core busy on the main thread)`);
console.log(`\nTop ${top} functions by self time (share of busy time):`);
console.log(`${'self ms'.padStart(7)}  ${'share'.padStart(6)}  function  location`);
for (const entry of [...byFunction.values()].sort((a, b) => b.us - a.us).slice(0, top)) {
  console.log(`${ms(entry.us)}  ${share(entry.us)}  ${entry.name}  ${entry.location}`);
}
console.log(`\nBy package / directory:`);
for (const [pkg, us] of [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`${ms(us)}  ${share(us)}  ${pkg}`);
}

// --callers NAME: the self time of NAME split by the nearest frames above it that are not Node's or V8's own,
// e.g. whether `writev` is pg's queries, undici's requests or the GraphQL responses.
if (args.callers) {
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const chains = new Map<string, number>();
  let calleeUs = 0;
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName !== args.callers) continue;
    calleeUs += us;
    const frames: string[] = [];
    for (let parent = parentOf.get(id); parent !== undefined && frames.length < 3; parent = parentOf.get(parent)) {
      const frame = byId.get(parent)!.callFrame;
      if (!frame.url || frame.url.startsWith('node:')) continue;
      frames.push(`${frame.functionName || '(anonymous)'} (${packageOf(frame.functionName, frame.url)})`);
    }
    const chain = frames.join(' < ') || '(no JavaScript caller)';
    chains.set(chain, (chains.get(chain) ?? 0) + us);
  }
  console.log(`\n${args.callers}: ${(calleeUs / 1000).toFixed(0)} ms self, by caller (nearest first):`);
  for (const [chain, us] of [...chains.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`${ms(us)}  ${((100 * us) / Math.max(1, calleeUs)).toFixed(1).padStart(5)}%  ${chain}`);
  }
}
