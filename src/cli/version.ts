/** The Tethys version `tethys --version` prints and the fleet state carries. */
export const VERSION = "0.1.0";
