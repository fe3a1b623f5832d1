// Page through members with an API key and record something idempotently, with the typed JS
// client (@gongjian/client). Build the client once, then run:
//
//   (cd frontend && npm run -w @gongjian/client build)
//   GONGJIAN_URL=http://127.0.0.1:8000 GONGJIAN_API_KEY=gj_… node examples/node/sync-members.mjs
//
// The key needs members:read and members:write. The write is a community record sent three times
// with one Idempotency-Key: one record results. Volunteer hours will follow the same pattern once
// the volunteering API is on main (see recordHours below). Prints one JSON line.
import { randomUUID } from 'node:crypto'
import { createGongjianClient } from '../../frontend/packages/client/dist/index.mjs'

const base = (process.env.GONGJIAN_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '')
const apiKey = process.env.GONGJIAN_API_KEY
if (!apiKey) throw new Error('set GONGJIAN_API_KEY')
const runId = process.env.GONGJIAN_RUN_ID ?? randomUUID()

const api = createGongjianClient({
  baseUrl: base,
  getToken: () => null, // an API key, not a user session
  fetch: (request) => {
    request.headers.set('X-API-Key', apiKey)
    return fetch(request)
  },
})

async function allMembers() {
  const members = []
  for (let page = 1; ; page += 1) {
    const { data, error } = await api.GET('/api/v1/members', { params: { query: { page, page_size: 100, sort: 'name' } } })
    if (error) throw new Error(`members: ${error.code} ${error.detail}`)
    members.push(...data.items)
    if (page * data.page_size >= data.total) return members
  }
}

async function postIdempotently(send, key, tries = 3) {
  const answers = []
  for (let i = 0; i < tries; i += 1) answers.push(await send({ 'Idempotency-Key': key }))
  return answers
}

function recordParticipation(memberId, key) {
  const body = { occurred_on: new Date().toISOString().slice(0, 10), kind: 'participation', description: '参加社区志愿服务（Node 脚本同步）' }
  return postIdempotently(
    (headers) => api.POST('/api/v1/members/{member_id}/community-records', { params: { path: { member_id: memberId } }, body, headers }),
    key,
  )
}

// Once the volunteering API is merged:
// function recordHours(memberId, activityId, hours, key) {
//   return postIdempotently((headers) => api.POST('/api/v1/volunteer-records', { body: { member_id: memberId, activity_id: activityId, hours }, headers }), key)
// }

const me = (await api.GET('/api/v1/me')).data
const members = await allMembers()
if (members.length === 0) {
  console.log(JSON.stringify({ caller: me.name, members: 0 }))
} else {
  const first = members[0]
  const answers = await recordParticipation(first.id, `node-${runId}-${first.id}`)
  const statuses = answers.map((a) => a.response.status)
  const ids = new Set(answers.map((a) => a.data?.id))
  if (statuses.some((s) => s !== 201) || ids.size !== 1) {
    console.error(`idempotent write failed: ${statuses} ${[...ids]}`)
    process.exit(1)
  }
  const replayed = answers.map((a) => a.response.headers.get('Idempotent-Replayed') === 'true')
  console.log(JSON.stringify({ caller: me.name, members: members.length, member_id: first.id, record_id: [...ids][0], replayed }))
}
