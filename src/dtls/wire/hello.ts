/** ClientHello / ServerHello semantics shared by both roles: suites, extensions, versions. */
import { parseExtensions } from "./extensions.ts";
import {
	ClientHello,
	DTLS_1_2,
	ExtensionType,
	RENEGOTIATION_SCSV,
	RenegotiationInfo,
} from "./messages.ts";
import { decodeStruct, readUint, type StructOf } from "./struct.ts";

export interface ParsedClientHello {
	raw: StructOf<(typeof ClientHello)["layout"]>;
	suites: number[];
	extendedMasterSecret: boolean;
	/** Client signalled RFC 5746 support (extension or SCSV). */
	secureRenegotiation: boolean;
	/** Non-empty renegotiated_connection in an initial hello: must be refused. */
	badRenegotiationInfo: boolean;
	nullCompression: boolean;
	dtls12: boolean;
}

export function parseClientHello(
	body: Uint8Array,
): ParsedClientHello | undefined {
	const raw = decodeStruct(ClientHello, body);
	if (raw === undefined) return undefined;
	if (
		raw.sessionId.length > 32 ||
		raw.cookie.length > 255 ||
		raw.cipherSuites.length % 2 !== 0
	)
		return undefined;
	if (raw.cipherSuites.length === 0 || raw.compressionMethods.length === 0)
		return undefined;
	const exts = parseExtensions(raw.extensions);
	if (exts === undefined) return undefined;
	const suites: number[] = [];
	for (let i = 0; i < raw.cipherSuites.length; i += 2)
		suites.push(readUint(raw.cipherSuites, i, 2));
	let ems = false;
	let reneg = suites.includes(RENEGOTIATION_SCSV);
	let badReneg = false;
	for (const e of exts) {
		if (e.type === ExtensionType.extendedMasterSecret) {
			if (e.data.length !== 0) return undefined;
			ems = true;
		} else if (e.type === ExtensionType.renegotiationInfo) {
			const ri = decodeStruct(RenegotiationInfo, e.data);
			if (ri === undefined) return undefined;
			reneg = true;
			if (ri.renegotiatedConnection.length !== 0) badReneg = true;
		}
	}
	return {
		raw,
		suites,
		extendedMasterSecret: ems,
		secureRenegotiation: reneg,
		badRenegotiationInfo: badReneg,
		nullCompression: raw.compressionMethods.includes(0),
		// DTLS versions count down: 1.2 (0xfefd) is numerically below 1.0 (0xfeff).
		dtls12: raw.clientVersion <= DTLS_1_2,
	};
}

/** renegotiation_info with an empty renegotiated_connection, as sent in an initial handshake. */
export const EMPTY_RENEGOTIATION_INFO = new Uint8Array([0]);
