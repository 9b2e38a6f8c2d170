import { type TsoClient, type TsoServer } from '../runners/index.js';
export interface EmbeddedOracle {
    readonly server: TsoServer;
    readonly client: TsoClient;
    /** Closes the client, then the server (graceful, bounded). */
    close(): Promise<void>;
}
/** Starts the server and a client connected to it. */
export declare function startEmbedded(dataDir: string, listen?: string, httpListen?: string | null): Promise<EmbeddedOracle>;
