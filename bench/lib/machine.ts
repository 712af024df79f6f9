import os from 'node:os';

/** What the figures were measured on: they mean little without it. */
export interface MachineDescription {
  cpus: number;
  model: string;
  memoryGb: number;
  node: string;
  os: string;
  arch: string;
}

export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
  };
}

export function machineLine(machine: MachineDescription): string {
  return `${machine.cpus} × ${machine.model}, ${machine.memoryGb} GB, ${machine.os} ${machine.arch}, node ${machine.node}`;
}
