export const ROOT: string
export interface WorkspacePackage {
  name: string
  version: string
  dir: string
  manifest: Record<string, unknown>
}
export interface PackedPackage extends WorkspacePackage {
  tarball: string
}
export function workspacePackages(): WorkspacePackage[]
export function pnpm(args: string[], options?: { cwd?: string }): string
export function packWorkspace(destination: string): PackedPackage[]
