// Runs webhook transforms (JSONata expressions over the standard body, CONTRACT.md "What a webhook endpoint receives")
// so that a hostile or pathological expression cannot stall the process or other deliveries:
// - off the main thread, in a small pool of child processes with a heap limit of their own. Not worker threads: in
//   Node 20 a thread that exhausts its resourceLimits in some allocations (`$count([1..10000000].{"a": $})`) aborts
//   the whole process; a child process that does so dies alone;
// - bounded in time: JSONata's own guard stops most runaway evaluations after `timeoutMs`, and a process still busy
//   shortly after that (one step that never yields) is killed and replaced;
// - bounded in output: a result larger than `maxOutputBytes` serialised is a failure, not a body;
// - fair: one expression runs in at most one process at a time, so a slow transform of one webhook queues behind
//   itself; when it overruns (time or memory), its waiting runs fail at once instead of each waiting out the limit
//   again, and for a while it may use all processes but one, so that well-behaved transforms always have one.
import { fork, type ChildProcess } from 'node:child_process';
import { projectPath } from '../paths.js';

export type TransformResult =
  | { ok: true; body: string }
  /** `retryable`: the transform was not run at all (shutting down; the same expression just overran): try later. */
  | { ok: false; error: string; retryable?: boolean };

export type TransformRunnerOptions = {
  /** Longest one evaluation may run (config.transformTimeoutMs). */
  timeoutMs: number;
  /** Largest serialised result, in bytes. */
  maxOutputBytes: number;
  /** Child processes (default 2). */
  size?: number;
  /** Heap of each process, in MB (default 64): an exploding expression runs out of it and fails alone. */
  maxMemoryMb?: number;
};

export interface TransformRunner {
  /** Evaluates `expression` over `input` (the standard body object) and serialises the result once. Never rejects. */
  run(expression: string, input: unknown): Promise<TransformResult>;
  /** Fails what is waiting and ends the processes. */
  close(): Promise<void>;
}

/** How long past the time limit a process may stay busy before it is killed (JSONata's own guard comes first). */
const TERMINATE_GRACE_MS = 100;
/** Longest sequence an expression may build (JSONata's guard): `[1..10000000]` fails at once instead of filling memory. */
const MAX_SEQUENCE = 1_000_000;
/** How long an expression that overran stays confined to all processes but one. */
const OFFENDER_MS = 60_000;

type Task = { id: number; expression: string; input: unknown; resolve: (result: TransformResult) => void };
type Slot = { child: ChildProcess; ready: boolean; task: Task | null; timer: NodeJS.Timeout | null; stderrTail: string };

/** A process the kernel or V8 ended: out of memory (V8 aborts) or otherwise crashed. */
function describeExit(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): string {
  if (/heap out of memory|Allocation failed/i.test(stderrTail) || signal === 'SIGABRT' || code === 134) return 'transform ran out of memory';
  return `transform crashed (${signal ?? `exit code ${code}`})`;
}

export function createTransformRunner(options: TransformRunnerOptions): TransformRunner {
  const size = Math.max(1, options.size ?? 2);
  const limits = { timeoutMs: options.timeoutMs, maxOutputBytes: options.maxOutputBytes, maxSequence: MAX_SEQUENCE };
  const slots: Slot[] = [];
  const queue: Task[] = [];
  const running = new Set<string>();
  /** Expressions that recently overran their limits → until when they are confined. */
  const offenders = new Map<string, number>();
  const isOffender = (expression: string) => {
    const until = offenders.get(expression);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    offenders.delete(expression);
    return false;
  };
  let nextId = 1;
  let closed = false;

  function startWorker(slot: Slot): void {
    // Plain JavaScript, the same file whether the service runs through tsx or compiled (dist/ has no copy).
    const child = fork(projectPath('src', 'transform', 'transform-worker.mjs'), [], {
      // Plain JavaScript: none of the parent's loaders (tsx, vitest) are needed, nor wanted, in the process.
      execArgv: [`--max-old-space-size=${options.maxMemoryMb ?? 64}`, '--max-semi-space-size=8'],
      // Nothing of the service's environment (database URL, secret key) reaches an expression's process.
      env: { HOOKSTREAM_TRANSFORM_LIMITS: JSON.stringify(limits) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    slot.child = child;
    slot.ready = false;
    slot.stderrTail = '';
    // V8's out-of-memory report is long; the tail is enough to tell what happened.
    child.stderr?.on('data', (chunk: Buffer) => {
      slot.stderrTail = (slot.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    child.on('message', (message: { ready?: true; id?: number; ok?: boolean; body?: string; error?: string; overran?: boolean }) => {
      if (slot.child !== child) return;
      if (message.ready) {
        slot.ready = true;
        pump();
        return;
      }
      if (!slot.task || slot.task.id !== message.id) return;
      const { expression } = slot.task;
      finish(slot, message.ok ? { ok: true, body: message.body! } : { ok: false, error: message.error ?? 'transform failed' }, false);
      if (message.overran) overran(expression, message.error ?? 'transform timed out');
      pump();
    });
    child.on('error', (error) => {
      if (slot.child === child && !closed) replace(slot, `transform crashed: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      // The stderr pipe may still hold the end of the report: read it once it has closed.
      if (slot.child !== child || closed) return;
      const reason = () => describeExit(code, signal, slot.stderrTail);
      if (child.stderr && !child.stderr.closed) child.stderr.once('close', () => slot.child === child && replace(slot, reason()));
      else replace(slot, reason());
    });
  }

  /** Idle processes never hold the service's process open; while runs are waiting or running, they do. */
  function updateRefs(): void {
    const working = queue.length > 0 || slots.some((slot) => slot.task);
    for (const { child } of slots) {
      const stderr = child.stderr as { ref?: () => void; unref?: () => void } | null;
      if (working) {
        child.ref();
        child.channel?.ref();
        stderr?.ref?.();
      } else {
        child.unref();
        child.channel?.unref();
        stderr?.unref?.();
      }
    }
  }

  function newSlot(): Slot {
    const slot: Slot = { child: null as unknown as ChildProcess, ready: false, task: null, timer: null, stderrTail: '' };
    startWorker(slot);
    slots.push(slot);
    return slot;
  }

  /** Kills the slot's process and starts another; the task it ran (and that expression's waiting runs) fail. */
  function replace(slot: Slot, reason: string): void {
    const { child, task } = slot;
    startWorker(slot);
    child.kill('SIGKILL');
    if (task) {
      finish(slot, { ok: false, error: reason }, false);
      overran(task.expression, reason);
    }
    pump();
  }

  /** An expression ran out of time or memory: its waiting runs fail now, and it is confined for a while. */
  function overran(expression: string, reason: string): void {
    offenders.set(expression, Date.now() + OFFENDER_MS);
    if (offenders.size > 1000) offenders.delete(offenders.keys().next().value!);
    for (let index = queue.length - 1; index >= 0; index--) {
      if (queue[index]!.expression === expression) {
        queue.splice(index, 1)[0]!.resolve({ ok: false, error: `transform not run: the same transform just failed (${reason})`, retryable: true });
      }
    }
  }

  /** A waiting run that may start now: not of an expression already running, nor an offender taking the last free process. */
  function nextRunnable(): number {
    const offendersRunning = slots.filter((slot) => slot.task && isOffender(slot.task.expression)).length;
    const offenderRoom = size === 1 || offendersRunning < size - 1;
    return queue.findIndex((task) => !running.has(task.expression) && (offenderRoom || !isOffender(task.expression)));
  }

  function finish(slot: Slot, result: TransformResult, thenPump = true): void {
    const task = slot.task!;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    running.delete(task.expression);
    task.resolve(result);
    if (thenPump) pump();
  }

  function dispatch(slot: Slot, task: Task): void {
    slot.task = task;
    running.add(task.expression);
    slot.timer = setTimeout(() => replace(slot, `transform timed out after ${options.timeoutMs} ms`), options.timeoutMs + TERMINATE_GRACE_MS);
    slot.child.send({ id: task.id, expression: task.expression, input: task.input });
  }

  function pump(): void {
    if (closed) return;
    for (;;) {
      const index = nextRunnable();
      if (index < 0) break;
      const slot = slots.find((candidate) => candidate.ready && !candidate.task);
      if (!slot) {
        // Processes start on demand: a service that never runs a transform never starts one.
        if (slots.length < size && !slots.some((candidate) => !candidate.ready)) newSlot();
        break;
      }
      dispatch(slot, queue.splice(index, 1)[0]!);
    }
    updateRefs();
  }

  return {
    run(expression, input) {
      if (closed) return Promise.resolve({ ok: false, error: 'transform not run: the service is shutting down', retryable: true });
      return new Promise<TransformResult>((resolve) => {
        queue.push({ id: nextId++, expression, input, resolve });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.resolve({ ok: false, error: 'transform not run: the service is shutting down', retryable: true });
      await Promise.all(
        slots.map(async (slot) => {
          if (slot.timer) clearTimeout(slot.timer);
          slot.task?.resolve({ ok: false, error: 'transform not run: the service is shutting down', retryable: true });
          slot.task = null;
          const exited = new Promise((resolve) => (slot.child.exitCode !== null || slot.child.signalCode !== null ? resolve(null) : slot.child.once('exit', resolve)));
          slot.child.ref();
          slot.child.kill('SIGKILL');
          await exited;
        }),
      );
      slots.length = 0;
    },
  };
}
