import type { Command } from 'commander';
import { EXIT_USAGE } from './admin-client.js';

/** Every command path with its subcommands and options, read from the command tree itself. */
interface Node {
  path: string[];
  subcommands: string[];
  options: string[];
}

function walk(command: Command, path: string[] = []): Node[] {
  const subcommands = command.commands.map((sub) => sub.name());
  const options = command.options.flatMap(
    (option) => [option.short, option.long].filter(Boolean) as string[],
  );
  const here: Node = { path, subcommands, options: [...options, '--help'] };
  return [here, ...command.commands.flatMap((sub) => walk(sub, [...path, sub.name()]))];
}

function bash(nodes: Node[]): string {
  const cases = nodes
    .map(
      (node) =>
        `    "${node.path.join(' ')}") words="${[...node.subcommands, ...node.options].join(' ')}" ;;`,
    )
    .join('\n');
  return `# bollard completion for bash: eval "$(bollard completion bash)" (or save it under bash-completion's completions/)
_bollard() {
  local cur path="" word words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) ;; *) if [[ -n "$(_bollard_words "\${path:+$path }$word")" ]]; then path="\${path:+$path }$word"; fi ;; esac
  done
  COMPREPLY=( $(compgen -W "$(_bollard_words "$path")" -- "$cur") )
}
_bollard_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
complete -F _bollard bollard
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef bollard
# bollard completion for zsh: eval "$(bollard completion zsh)" (or save it as _bollard on your fpath)
${bash(nodes).replace('complete -F _bollard bollard', '')}
autoload -U +X bashcompinit && bashcompinit
complete -F _bollard bollard
`;
}

function fish(nodes: Node[]): string {
  const lines = [
    '# bollard completion for fish: bollard completion fish > ~/.config/fish/completions/bollard.fish',
  ];
  for (const node of nodes) {
    const condition =
      node.path.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${node.path[node.path.length - 1]}`;
    for (const sub of node.subcommands) lines.push(`complete -c bollard -f -n '${condition}' -a ${sub}`);
    for (const option of node.options.filter((option) => option.startsWith('--')))
      lines.push(`complete -c bollard -f -n '${condition}' -l ${option.slice(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

const SHELLS = { bash, zsh, fish } as const;

/** `bollard completion bash|zsh|fish`: a completion script generated from the command tree. */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion <shell>')
    .description('Print a shell completion script (bash, zsh or fish)')
    .addHelpText(
      'after',
      `
Examples:
  eval "$(bollard completion bash)"                       # in ~/.bashrc
  eval "$(bollard completion zsh)"                        # in ~/.zshrc
  bollard completion fish > ~/.config/fish/completions/bollard.fish`,
    )
    .action((shell: string) => {
      const render = SHELLS[shell as keyof typeof SHELLS];
      if (!render) {
        console.error(`error: unknown shell '${shell}'; use bash, zsh or fish`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      process.stdout.write(render(walk(program)));
    });
}
