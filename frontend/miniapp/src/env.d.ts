/// <reference types="@dcloudio/types" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
/** The API's origin in the mini-program build (GONGJIAN_API_BASE); '' (same origin) on h5. */
declare const __API_BASE__: string
/** The `qrcode` package's encoder alone (its renderers need a DOM or Node). */
declare module 'qrcode/lib/core/qrcode' {
  export function create(text: string, options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' }): { modules: { size: number; data: Uint8Array } }
}
