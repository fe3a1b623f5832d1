// Page through members with an API key and record something idempotently, with the typed JS
// client (@gongjian/client). Build the client once, then run:
//
//   (cd frontend && npm run -w @gongjian/client build)
//   GONGJIAN_URL=http://127.0.0.1:8000 GONGJIAN_API_KEY=gj_… node examples/node/sync-members.mjs
//
// The key needs members:read, members:write and hours:write. The writes — a community record and two
// hours of volunteer service — are each sent three times with one Idempotency-Key: one of each
// results. Prints one JSON line.
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

function recordHours(member, key) {
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
  const body = {
    member_id: member.id,
    content: '社区环境整治志愿服务（Node 脚本同步）',
    started_at: `${day}T09:00:00+08:00`,
    ended_at: `${day}T11:00:00+08:00`,
    hours: 2,
    organizer_org_id: member.community_org.id,
  }
  return postIdempotently((headers) => api.POST('/api/v1/volunteer-records', { body, headers }), key)
}

function writtenOnce(answers) {
  const ids = new Set(answers.map((a) => a.data?.id))
  return answers.every((a) => a.response.status === 201) && ids.size === 1 ? [...ids][0] : null
}

const me = (await api.GET('/api/v1/me')).data
const members = await allMembers()
if (members.length === 0) {
  console.log(JSON.stringify({ caller: me.name, members: 0 }))
} else {
  const first = members[0]
  const answers = await recordParticipation(first.id, `node-${runId}-${first.id}`)
  const hours = await recordHours(first, `node-hours-${runId}-${first.id}`)
  const recordId = writtenOnce(answers)
  const hoursRecordId = writtenOnce(hours)
  if (recordId === null || hoursRecordId === null) {
    console.error(`idempotent write failed: ${[...answers, ...hours].map((a) => a.response.status)}`)
    process.exit(1)
  }
  const replayedOf = (list) => list.map((a) => a.response.headers.get('Idempotent-Replayed') === 'true')
  console.log(
    JSON.stringify({
      caller: me.name,
      members: members.length,
      member_id: first.id,
      record_id: recordId,
      replayed: replayedOf(answers),
      hours_record_id: hoursRecordId,
      hours_replayed: replayedOf(hours),
    }),
  )
}
