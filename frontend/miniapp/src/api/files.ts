/** Files the API serves with the bearer token (photos), fetched with `uni.downloadFile`. */
import { apiBase, refreshSession, tokens } from '@/api/session'

const cache = new Map<string, string>()

function download(url: string, token: string | null): Promise<{ status: number; file: string }> {
  return new Promise((resolve) => {
    uni.downloadFile({
      url,
      header: token ? { Authorization: `Bearer ${token}` } : {},
      success: (r) => resolve({ status: r.statusCode, file: r.tempFilePath }),
      fail: () => resolve({ status: 0, file: '' }),
    })
  })
}

/** A local copy of `path` (an API path such as /api/v1/uploads/7/thumbnail), or '' when it can't be had. */
export async function downloadWithToken(path: string): Promise<string> {
  const cached = cache.get(path)
  if (cached) return cached
  let result = await download(`${apiBase}${path}`, tokens.access)
  if (result.status === 401) {
    const fresh = await refreshSession()
    if (fresh) result = await download(`${apiBase}${path}`, fresh)
  }
  if (result.status !== 200 || !result.file) return ''
  cache.set(path, result.file)
  return result.file
}

/** Opens a public PDF (a proof of service): in the mini-program's document viewer, or a new tab on h5. */
export function openPdf(path: string): void {
  // #ifdef H5
  window.open(`${apiBase}${path}`, '_blank')
  // #endif
  // #ifndef H5
  uni.showLoading({ title: '正在打开' })
  uni.downloadFile({
    url: `${apiBase}${path}`,
    success: (r) => {
      uni.hideLoading()
      if (r.statusCode === 200) uni.openDocument({ filePath: r.tempFilePath, fileType: 'pdf', showMenu: true })
      else uni.showToast({ title: '证明文件暂时打不开', icon: 'none' })
    },
    fail: () => {
      uni.hideLoading()
      uni.showToast({ title: '网络错误，请稍后重试', icon: 'none' })
    },
  })
  // #endif
}
