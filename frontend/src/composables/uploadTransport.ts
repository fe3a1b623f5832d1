/**
 * A `fetch` over XMLHttpRequest, for the typed client's `fetch` option: `fetch` cannot report how
 * much of a request body has been sent, XHR can. Used for uploads that show a progress bar.
 */
export function xhrTransport(onProgress: (fraction: number) => void): (request: Request) => Promise<Response> {
  return async (request: Request) => {
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.blob()
    return new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open(request.method, request.url)
      request.headers.forEach((value, key) => xhr.setRequestHeader(key, value))
      xhr.responseType = 'blob'
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total)
      }
      xhr.onload = () => {
        onProgress(1)
        const headers = new Headers()
        for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
          const at = line.indexOf(':')
          if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim())
        }
        const noBody = xhr.status === 204 || xhr.status === 304
        resolve(new Response(noBody ? null : (xhr.response as Blob), { status: xhr.status, statusText: xhr.statusText, headers }))
      }
      xhr.onerror = () => reject(new TypeError('网络错误'))
      xhr.onabort = () => reject(new DOMException('已取消', 'AbortError'))
      xhr.send(body)
    })
  }
}
