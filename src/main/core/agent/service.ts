/**
 * The agent as a switchable service, for the desktop app: on while the `agentEnabled` setting
 * is, off when it is turned off or the app quits. Start and stop are serialized, so toggling
 * quickly cannot leave two servers or none.
 */
import { startTokenAgent, type AgentCore, type TokenAgent } from './server.js';

export interface AgentServiceOptions {
  home: string;
  socketPath?: string;
  /** Told when the agent cannot start (another agent has the socket…) or stops; never with a secret. */
  onState?(state: { running: boolean; path: string | null; error?: { code: string; message: string } }): void;
}

export class AgentService {
  private agent: TokenAgent | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly backend: AgentCore;
  private readonly options: AgentServiceOptions;

  constructor(backend: AgentCore, options: AgentServiceOptions) {
    this.backend = backend;
    this.options = options;
  }

  get running(): boolean {
    return this.agent !== null;
  }

  get path(): string | null {
    return this.agent?.path ?? null;
  }

  /** Starts or stops the agent; resolves when done. A failure to start is reported, not thrown. */
  setEnabled(enabled: boolean): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (enabled && !this.agent) {
        try {
          this.agent = await startTokenAgent(this.backend, {
            home: this.options.home,
            socketPath: this.options.socketPath,
          });
          this.options.onState?.({ running: true, path: this.agent.path });
        } catch (err) {
          const e = err as { code?: unknown; message?: unknown };
          this.options.onState?.({
            running: false,
            path: null,
            error: {
              code: typeof e.code === 'string' ? e.code : 'AGENT_START_FAILED',
              message: String(e.message ?? 'The token agent did not start.'),
            },
          });
        }
      } else if (!enabled && this.agent) {
        const agent = this.agent;
        this.agent = null;
        await agent.close();
        this.options.onState?.({ running: false, path: null });
      }
    });
    return this.chain;
  }

  /** Stops the agent (finishing what it was asked); call before closing the core. */
  close(): Promise<void> {
    return this.setEnabled(false);
  }
}
