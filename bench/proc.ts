// What /proc says about the processes of a run: resident memory and CPU time, so that the service's figures are its
// own and not the load generator's.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ); 100 on every Linux we run on. */
const TICKS_PER_SECOND = 100;

export type Memory = { rssMb: number; peakRssMb: number };

/** VmRSS (now) and VmHWM (peak) of a process, in MiB; null when it is gone. */
export function readMemory(pid: number): Memory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kib('VmRSS') / 1024, peakRssMb: kib('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

function readStat(pid: number | string): { comm: string; ppid: number; cpuSeconds: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    // After the command name: state (field 3), ppid (4) … utime (14) and stime (15), counted over the whole line.
    const rest = stat.slice(close + 2).split(' ');
    return { comm: stat.slice(open + 1, close), ppid: Number(rest[1]), cpuSeconds: (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** User + system CPU seconds of one process so far (0 when it is gone). */
export function readCpuSeconds(pid: number): number {
  return readStat(pid)?.cpuSeconds ?? 0;
}

/** User + system CPU seconds so far of a process's children (the service's transform processes), 0 if none. */
export function readChildrenCpuSeconds(parentPid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat && stat.ppid === parentPid) total += stat.cpuSeconds;
  }
  return total;
}

/** The postmaster of the cluster a backend belongs to (its parent), or null when it is not on this machine. */
export function findPostmaster(backendPid: number): number | null {
  const stat = readStat(backendPid);
  return stat && stat.comm === 'postgres' ? stat.ppid : null;
}

/**
 * CPU seconds of one PostgreSQL cluster: its postmaster and every child (backends, walwriter, checkpointer…); other
 * clusters on the machine (a test suite's) are not counted. A backend that exits takes its CPU time out of /proc
 * (pools close idle connections), so the tracker keeps the last figure it saw of every process and refreshes them
 * twice a second; what an exiting backend used in its last half second is all that can be lost.
 */
export function startClusterCpuTracker(postmasterPid: number | null): { read(): number; stop(): void } {
  const lastSeen = new Map<number, number>();
  const refresh = () => {
    if (postmasterPid === null) return;
    lastSeen.set(postmasterPid, Math.max(lastSeen.get(postmasterPid) ?? 0, readCpuSeconds(postmasterPid)));
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(entry);
      const pid = Number(entry);
      // A recycled pid would start from 0 again: keep the larger figure.
      if (stat && stat.ppid === postmasterPid) lastSeen.set(pid, Math.max(lastSeen.get(pid) ?? 0, stat.cpuSeconds));
    }
  };
  refresh();
  const timer = setInterval(refresh, 500);
  timer.unref();
  return {
    read() {
      refresh();
      let total = 0;
      for (const seconds of lastSeen.values()) total += seconds;
      return total;
    },
    stop: () => clearInterval(timer),
  };
}

/** Busy CPU seconds of the whole machine, all cores (user, nice, system, irq, softirq from /proc/stat). */
export function readMachineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq!) / TICKS_PER_SECOND;
}

export type CpuSample = { at: number; service: number; postgres: number; receiver: number; bench: number; otherOurs: number; machine: number };
export type CpuShare = { service: number; postgres: number; receiver: number; bench: number; foreign: number };

export type CpuPids = { service: number | null; otherServices: number[]; receiver: number | null; postgres: { read(): number } };

export function sampleCpu(pids: CpuPids, at: number): CpuSample {
  const own = process.cpuUsage();
  return {
    at,
    service: pids.service ? readCpuSeconds(pids.service) : 0,
    postgres: pids.postgres.read(),
    receiver: pids.receiver && pids.receiver !== process.pid ? readCpuSeconds(pids.receiver) : 0,
    bench: (own.user + own.system) / 1e6,
    otherOurs: pids.otherServices.reduce((sum, pid) => sum + readCpuSeconds(pid), 0),
    machine: readMachineBusySeconds(),
  };
}

/**
 * Share of one core each process used between two samples (1.0 = one core fully busy). `foreign` is what the rest
 * of the machine used meanwhile (other people's tests, say): when it is not near 0 the figures are not this
 * machine's best.
 */
export function cpuShare(from: CpuSample, to: CpuSample): CpuShare {
  const seconds = Math.max(1e-3, (to.at - from.at) / 1000);
  const delta = (key: keyof CpuSample) => (to[key] - from[key]) / seconds;
  const ours = delta('service') + delta('postgres') + delta('receiver') + delta('bench') + delta('otherOurs');
  return {
    service: delta('service'),
    postgres: delta('postgres'),
    receiver: delta('receiver'),
    bench: delta('bench'),
    foreign: Math.max(0, delta('machine') - ours),
  };
}
