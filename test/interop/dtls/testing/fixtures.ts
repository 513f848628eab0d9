/** Interop test fixtures: the PSK, the identity, and our three suites as each peer names them. */

export const PSK_HEX = "00112233445566778899aabbccddeeff";
export const PSK = Uint8Array.from(Buffer.from(PSK_HEX, "hex"));
export const WRONG_PSK_HEX = "ffeeddccbbaa99887766554433221100";
export const IDENTITY = "rov1";

/** IANA name -> name per tool, for each of our three suites. */
export const SUITE_NAMES = [
  {
    iana: "TLS_PSK_WITH_AES_128_CCM_8",
    openssl: "PSK-AES128-CCM8",
    gnutls: "AES-128-CCM-8",
  },
  {
    iana: "TLS_PSK_WITH_AES_128_GCM_SHA256",
    openssl: "PSK-AES128-GCM-SHA256",
    gnutls: "AES-128-GCM",
  },
  {
    iana: "TLS_PSK_WITH_AES_128_CCM",
    openssl: "PSK-AES128-CCM",
    gnutls: "AES-128-CCM",
  },
] as const;

export type Suite = (typeof SUITE_NAMES)[number];
export const [CCM_8, GCM, CCM] = SUITE_NAMES;

/** GnuTLS priority string for DTLS 1.2 PSK with exactly one cipher. */
export function gnutlsPriority(cipher: string): string {
  return `NONE:+VERS-DTLS1.2:+MAC-ALL:+SIGN-ALL:+COMP-NULL:+PSK:+${cipher}`;
}
