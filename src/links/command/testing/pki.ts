import { type Authority, createAuthority, type Issued, issueLeaf } from "../../../keys/certificates.ts";

/**
 * In-memory key material for command-link tests and benchmarks: the pair's CA with a hub and a
 * vehicle certificate, a second certificate of each from the same CA (not pinned anywhere),
 * and a foreign CA with its own hub and vehicle.
 */
export interface TestPki {
  ca: Authority;
  hub: Issued;
  vehicle: Issued;
  hubUnpinned: Issued;
  vehicleUnpinned: Issued;
  foreignCa: Authority;
  foreignHub: Issued;
  foreignVehicle: Issued;
  /** From the pair's CA but named for no pin: a vehicle "rov9" and a "hub" named "not-hub". */
  strangerVehicle: Issued;
  strangerHub: Issued;
}

export async function makeTestPki(vehicleId = "rov1"): Promise<TestPki> {
  const now = new Date();
  const hubOpts = {
    commonName: "hub",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1", "::1"],
    usage: ["server", "client"] as const,
    validDays: 2,
    now,
  };
  const vehOpts = { commonName: vehicleId, usage: ["client", "server"] as const, validDays: 2, now };
  const ca = await createAuthority("test-ca", 2, now);
  const foreignCa = await createAuthority("foreign-ca", 2, now);
  return {
    ca,
    hub: await issueLeaf(ca, hubOpts),
    vehicle: await issueLeaf(ca, vehOpts),
    hubUnpinned: await issueLeaf(ca, hubOpts),
    vehicleUnpinned: await issueLeaf(ca, vehOpts),
    foreignCa,
    foreignHub: await issueLeaf(foreignCa, hubOpts),
    foreignVehicle: await issueLeaf(foreignCa, vehOpts),
    strangerVehicle: await issueLeaf(ca, { ...vehOpts, commonName: "rov9" }),
    strangerHub: await issueLeaf(ca, { ...hubOpts, commonName: "not-hub" }),
  };
}
