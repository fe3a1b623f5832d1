/**
 * Where a 报到 QR leads: the mobile web app (served at `/m/`, history routing) opened on the page
 * and `scene` the API gives (`ReportCodeRead.path`), on this deployment's own host.
 */
export function mobileWebUrl(origin: string, path: string): string {
  return `${origin.replace(/\/+$/, '')}/m/${path.replace(/^\/+/, '')}`
}
