import { readFileSync } from 'node:fs';

/** Linux's clock tick for /proc times (USER_HZ): 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; undefined once it is gone. */
export function cpuTimeMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** CPU ms each named process used between `start` and now; processes gone meanwhile are left out. */
export function cpuSince(start: ReadonlyMap<string, { pid: number; ms: number }>): Map<string, number> {
  const used = new Map<string, number>();
  for (const [name, { pid, ms }] of start) {
    const nowMs = cpuTimeMs(pid);
    if (nowMs !== undefined) used.set(name, nowMs - ms);
  }
  return used;
}

/** Where CPU time of each process stands now, to be read again with cpuSince. */
export function cpuMark(processes: Iterable<{ id: string; pid: number }>): Map<string, { pid: number; ms: number }> {
  const mark = new Map<string, { pid: number; ms: number }>();
  for (const { id, pid } of processes) {
    const ms = cpuTimeMs(pid);
    if (ms !== undefined) mark.set(id, { pid, ms });
  }
  return mark;
}
