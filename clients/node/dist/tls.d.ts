/**
 * Mutual TLS for a client. `ca`: the CA that signed the server's certificate; `cert` and `key`:
 * this client's certificate (whose URI SAN names its identity, `spiffe://authcore/wallet`, ...)
 * and its private key, all PEM. `serverName`: the name to check the server's certificate
 * against, when it is not the target's host (the development certificates of `authcore certs`
 * name localhost, 127.0.0.1 and ::1).
 */
export interface TlsOptions {
    ca: Buffer | string;
    cert: Buffer | string;
    key: Buffer | string;
    serverName?: string;
}
/**
 * The files `authcore certs --out DIR` writes for `identity` (wallet, scan-to-pay, quick-pay,
 * admin): DIR/ca.pem, DIR/IDENTITY.pem and DIR/IDENTITY-key.pem, read now. A missing file is
 * an Error naming it and the command that makes it.
 */
export declare function tlsFromDir(dir: string, identity: string, serverName?: string): TlsOptions;
