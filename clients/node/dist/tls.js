"use strict";
// Mutual TLS: the CA that signed the server's certificate, and this client's certificate and key.
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.tlsFromDir = tlsFromDir;
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
/**
 * The files `authcore certs --out DIR` writes for `identity` (wallet, scan-to-pay, quick-pay,
 * admin): DIR/ca.pem, DIR/IDENTITY.pem and DIR/IDENTITY-key.pem, read now. A missing file is
 * an Error naming it and the command that makes it.
 */
function tlsFromDir(dir, identity, serverName) {
    const read = (name) => {
        const file = path.join(dir, name);
        try {
            return fs.readFileSync(file);
        }
        catch (error) {
            if (error.code === "ENOENT") {
                throw new Error(`${dir}: no ${name}; make the certificates with: authcore certs --out ${dir}`);
            }
            throw error;
        }
    };
    const tls = { ca: read("ca.pem"), cert: read(`${identity}.pem`), key: read(`${identity}-key.pem`) };
    if (serverName !== undefined) {
        tls.serverName = serverName;
    }
    return tls;
}
