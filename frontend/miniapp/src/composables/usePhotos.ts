/**
 * Photos a person adds to a wish or a concern: chosen on the phone (`uni.chooseMedia` in the
 * mini-program, the file picker on the web), then each uploaded (`POST /uploads`, pixels only) and
 * attached to its owner (`POST /attachments`) once the owner exists.
 */
import { ref } from 'vue'
import type { Schemas } from '@gongjian/client'
import { api, upload } from '@/api/session'
import { call, idempotencyKey } from '@/api/call'
import { asProblem, problemMessage } from '@/api/problem'
import { MAX_PHOTOS } from '@/logic/wish'

export { MAX_PHOTOS }

export function usePhotos() {
  const chosen = ref<string[]>([])
  const progress = ref('')

  function choose(): void {
    const room = MAX_PHOTOS - chosen.value.length
    if (room <= 0) return
    // #ifdef MP-WEIXIN
    uni.chooseMedia({
      count: room,
      mediaType: ['image'],
      sizeType: ['compressed'],
      success: (r) => (chosen.value = [...chosen.value, ...r.tempFiles.map((f) => f.tempFilePath)]),
    })
    // #endif
    // #ifndef MP-WEIXIN
    uni.chooseImage({ count: room, sizeType: ['compressed'], success: (r) => (chosen.value = [...chosen.value, ...(r.tempFilePaths as string[])]) })
    // #endif
  }

  function remove(file: string): void {
    chosen.value = chosen.value.filter((f) => f !== file)
  }

  /**
   * Uploads the chosen photos and attaches each to the owner; '' when all went up, else the message
   * of the first failure (the ones attached before it stay attached and leave the chosen list).
   */
  async function attachTo(ownerKind: Schemas['AttachmentOwnerKind'], ownerId: number, purpose: Schemas['AttachmentPurpose']): Promise<string> {
    const total = chosen.value.length
    for (const [index, file] of [...chosen.value].entries()) {
      progress.value = `正在上传照片 ${index + 1}/${total}`
      const sent = await upload(file).catch((e: unknown) => ({ data: undefined, error: e, status: 0 }))
      if (!sent.data) {
        progress.value = ''
        return problemMessage(asProblem(sent.error, sent.status || undefined))
      }
      const attached = await call(
        api.POST('/api/v1/attachments', {
          body: { owner_kind: ownerKind, owner_id: ownerId, upload_id: sent.data.id, purpose },
          headers: { 'Idempotency-Key': idempotencyKey() },
        }),
      )
      if (attached.problem) {
        progress.value = ''
        return problemMessage(attached.problem)
      }
      remove(file)
    }
    progress.value = ''
    return ''
  }

  return { chosen, progress, choose, remove, attachTo }
}
