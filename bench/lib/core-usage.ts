// Who used the cores during a measurement: the process pinned to each core, or something else (the
// kernel's interrupt work, other processes, the host itself through steal). On this shared machine
// a held-rate run that falls behind is either the service or its surroundings; this tells which.
import { readFileSync } from 'node:fs'

// /proc counts CPU time in clock ticks, 100 a second on Linux.
const ticksPerSecond = 100

/** User plus system CPU seconds of process `pid` so far, from /proc/<pid>/stat. */
export function procCpuSeconds (pid: number): number {
  // The fields after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

interface CoreTicks {
  /** user + nice + system: time spent running processes. */
  processes: number
  /** irq + softirq: the kernel's interrupt work, loopback networking included. */
  interrupts: number
  /** Time the host gave this virtual core to someone else. */
  steal: number
  total: number
}

// /proc/stat: "cpuN user nice system idle iowait irq softirq steal guest guest_nice", in ticks.
function readCoreTicks (core: number): CoreTicks {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((text) => text.startsWith(`cpu${core} `))
  if (line === undefined) throw new Error(`/proc/stat has no line for cpu${core}`)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number)
  return { processes: user + nice + system, interrupts: irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal }
}

/** Shares of one core's time over an interval, in percent. */
export interface CoreShares {
  /** The process pinned to the core. */
  own: number
  /** Every other process on the core. */
  otherProcesses: number
  interrupts: number
  steal: number
}

/**
 * Measures, from one call to the next, how core `core` was used: by process `pid` (pinned to it),
 * by other processes, by interrupts, by the host's steal. The process's own time is counted wherever
 * it ran, so a process not pinned to the core makes `otherProcesses` read low (never below 0).
 */
export function coreUsageSampler (core: number, pid: number): () => CoreShares {
  let ticks = readCoreTicks(core)
  let ownSeconds = procCpuSeconds(pid)
  return () => {
    const nowTicks = readCoreTicks(core)
    // The process may have exited since the last sample: its time then counts as its last reading.
    let nowOwn = ownSeconds
    try { nowOwn = procCpuSeconds(pid) } catch {}
    const total = Math.max(1, nowTicks.total - ticks.total)
    const percent = (value: number): number => Math.round(100 * value / total)
    const own = (nowOwn - ownSeconds) * ticksPerSecond
    const shares = {
      own: percent(own),
      otherProcesses: percent(Math.max(0, nowTicks.processes - ticks.processes - own)),
      interrupts: percent(nowTicks.interrupts - ticks.interrupts),
      steal: percent(nowTicks.steal - ticks.steal)
    }
    ticks = nowTicks
    ownSeconds = nowOwn
    return shares
  }
}
