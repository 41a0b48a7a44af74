/** The version of the authcore contract this package was generated from (contract/VERSION). */
export declare const CONTRACT_VERSION = "0.1.0";
