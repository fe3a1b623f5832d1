/** The printable proof of service (PDF) by its number: fetched through the API client and saved. */
import { asProblem } from '@gongjian/client'
import { api } from '@/api/client'
import { showProblem } from '@/composables/problem'
import { saveBlob } from '@/composables/download'

export async function downloadCertificate(number: string): Promise<void> {
  const { data, error, response } = await api.GET('/api/v1/certificates/{number}.pdf', { params: { path: { number } }, parseAs: 'blob' })
  if (!data) return showProblem(asProblem(error, response.status))
  saveBlob(data as unknown as Blob, `志愿服务证明-${number}.pdf`)
}
