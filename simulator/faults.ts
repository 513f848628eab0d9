/** Names of the injectable faults and the devices that take them (shared by world and scripts). */
export type DeviceName = "ms5837" | "bno055" | "ina260" | "ads1115" | "pca9685" | "leak";
export const DEVICE_NAMES: readonly DeviceName[] = ["ms5837", "bno055", "ina260", "ads1115", "pca9685", "leak"];

/**
 * missing: the device NACKs every transaction; stuck: it answers but its outputs stop changing;
 * nack-burst: the next `count` transactions NACK; nack-rate: each transaction NACKs with
 * probability `rate`; leak: water in the hull (leak sensor only); clear: back to normal.
 */
export type FaultName = "missing" | "stuck" | "nack-burst" | "nack-rate" | "leak" | "clear";
export const FAULT_NAMES: readonly FaultName[] = ["missing", "stuck", "nack-burst", "nack-rate", "leak", "clear"];

export interface FaultSpec {
  device: DeviceName;
  fault: FaultName;
  count?: number;
  rate?: number;
}
