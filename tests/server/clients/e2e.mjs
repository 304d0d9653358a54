// tests/server/clients/e2e.mjs — `hearth serve` driven by real clients.
//
// Starts the server on a free loopback port with a temporary OLLAMA_MODELS, creates a model from
// the llama3 fixture through the API (blob upload + /api/create), then exercises the API with the
// `ollama` (ollama-js) and `openai` npm packages, curl for status codes and error bodies, and
// node:http for disconnects. Greedy output is compared with llama.cpp's reference continuations
// (fixtures/models/reference.json) and with `hearth run FILE.gguf` in-process.
//
//   node e2e.mjs --hearth build/hearth --work build/server-clients --fixtures ../shared/fixtures
//                [--concurrency 500]
// Exit status: 0 all checks passed, 1 some failed, 77 skipped (npm or fixtures unavailable).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assert, assertEq, check, curl, HearthServer, installClients, openStream, sha256File, SKIP_CODE, summary,
} from './harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const here = path.dirname(fileURLToPath(import.meta.url));
const hearth = path.resolve(args.hearth);
const fixtures = path.resolve(args.fixtures);
const concurrency = Number(args.concurrency || 500);
const FIXTURE = 'llama3-bpe-tiny.q8_0.gguf';
const modelFile = path.join(fixtures, 'models', FIXTURE);

if (!fs.existsSync(modelFile)) {
  console.log(`SKIPPED: fixture model not found at ${modelFile}`);
  process.exit(SKIP_CODE);
}
const require = installClients(here, path.resolve(args.work));
if (!require) {
  console.log('SKIPPED: npm could not install the ollama and openai client packages (registry unreachable?)');
  process.exit(SKIP_CODE);
}
const { Ollama } = require('ollama');
const OpenAI = require('openai').default ?? require('openai');
const reference = JSON.parse(fs.readFileSync(path.join(fixtures, 'models', 'reference.json'), 'utf8')).models[FIXTURE];

// F32 KV cache: llama.cpp's reference continuations were computed with one (fixtures/README.md).
const server = new HearthServer(hearth, { OLLAMA_NUM_PARALLEL: '4', OLLAMA_KV_CACHE_TYPE: 'f32' });
await server.start();
console.log(`hearth serve on ${server.url} (models in ${server.models})`);
const ollama = new Ollama({ host: server.url });
const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
const digest = sha256File(modelFile);
const greedy = { temperature: 0, num_predict: 8 };

const expectError = async (promise, status, fragment) => {
  try {
    await promise;
  } catch (e) {
    if (status !== undefined) assertEq(e.status_code ?? e.status, status, 'status');
    if (fragment) assert(String(e.error ?? e.message).includes(fragment), `error "${e.error ?? e.message}" lacks "${fragment}"`);
    return e;
  }
  throw new Error('expected an error');
};

console.log('model store');
await check('version is a semver', async () => {
  const v = await ollama.version();
  assert(/^\d+\.\d+\.\d+/.test(v.version), `version ${v.version}`);
});
await check('blob upload: HEAD 404, POST 201 (hashed while streaming), HEAD 200, POST again 200', async () => {
  const blob = `${server.url}/api/blobs/sha256:${digest}`;
  assertEq((await fetch(blob, { method: 'HEAD' })).status, 404, 'HEAD before upload');
  const body = fs.readFileSync(modelFile);
  assertEq((await fetch(blob, { method: 'POST', body })).status, 201, 'POST');
  assertEq((await fetch(blob, { method: 'HEAD' })).status, 200, 'HEAD after upload');
  assertEq((await fetch(blob, { method: 'POST', body })).status, 200, 'POST existing');
});
await check('blob upload with a wrong digest is a 400 digest mismatch', async () => {
  const wrong = 'a'.repeat(64);
  const r = await fetch(`${server.url}/api/blobs/sha256:${wrong}`, { method: 'POST', body: 'not the right bytes' });
  assertEq(r.status, 400, 'status');
  assert((await r.json()).error.startsWith('digest mismatch'), 'message');
  assertEq((await fetch(`${server.url}/api/blobs/sha256:${wrong}`, { method: 'HEAD' })).status, 404, 'nothing stored');
});
await check('ollama.create from the uploaded blob (streamed progress ends with success)', async () => {
  const statuses = [];
  for await (const p of await ollama.create({ model: 'tiny', files: { [FIXTURE]: `sha256:${digest}` }, stream: true }))
    statuses.push(p.status);
  assertEq(statuses.at(-1), 'success', 'last status');
  assert(statuses.includes('parsing GGUF'), `statuses ${statuses}`);
});
await check('ollama.create from a model with system and parameters (not streamed)', async () => {
  const r = await ollama.create({ model: 'tiny-sys', from: 'tiny', system: 'You are terse.',
                                  parameters: { temperature: 0, num_predict: 8, stop: ['<|eot_id|>'] }, stream: false });
  assertEq(r.status, 'success', 'status');
});
await check('ollama.list shows both models with GGUF details', async () => {
  const { models } = await ollama.list();
  const tiny = models.find((m) => m.name === 'tiny:latest');
  assert(tiny, `models ${models.map((m) => m.name)}`);
  assert(models.some((m) => m.name === 'tiny-sys:latest'), 'tiny-sys listed');
  assertEq(tiny.details.format, 'gguf', 'format');
  assertEq(tiny.details.family, 'llama', 'family');
  assertEq(tiny.details.quantization_level, 'Q8_0', 'quantization');
  assert(tiny.size > fs.statSync(modelFile).size, 'size counts layers + config');
  assert(/^[0-9a-f]{64}$/.test(tiny.digest), 'digest');
});
await check('ollama.show: system, parameters, model_info, capabilities, modelfile', async () => {
  const s = await ollama.show({ model: 'tiny-sys' });
  assertEq(s.system, 'You are terse.', 'system');
  assert(s.parameters.includes('temperature'), `parameters ${s.parameters}`);
  assertEq(s.model_info['general.architecture'], 'llama', 'architecture');
  assert(s.capabilities.includes('completion'), 'capabilities');
  assert(s.modelfile.startsWith('# Modelfile generated by "ollama show"'), 'modelfile header');
  await expectError(ollama.show({ model: 'does-not-exist' }), 404, "model 'does-not-exist' not found");
});

console.log('generation');
let nonStreamed;
await check('generate (not streamed): final object with Ollama statistics', async () => {
  const r = await ollama.generate({ model: 'tiny', prompt: 'Hello', options: greedy });
  nonStreamed = r.response;
  assertEq(r.done, true, 'done');
  assertEq(r.done_reason, 'length', 'done_reason');
  assertEq(r.eval_count, 8, 'eval_count');
  assert(r.prompt_eval_count > 0 && Array.isArray(r.context) && r.context.length > r.prompt_eval_count, 'context');
  for (const k of ['total_duration', 'prompt_eval_duration', 'eval_duration'])
    assert(Number.isInteger(r[k]) && r[k] > 0, `${k} ${r[k]}`);
  assert(!Number.isNaN(Date.parse(r.created_at)), 'created_at');
});
await check('generate (streamed): chunks add up to the same greedy text', async () => {
  let text = '', final;
  for await (const c of await ollama.generate({ model: 'tiny', prompt: 'Hello', options: greedy, stream: true })) {
    if (c.done) final = c; else text += c.response;
  }
  assertEq(text, nonStreamed, 'streamed text');
  assertEq(final.eval_count, 8, 'eval_count');
  assert(final.context.length > 0, 'context in final chunk');
});
await check('greedy generation follows llama.cpp\'s reference continuations, token for token', async () => {
  // Compared as token ids (the final object's `context`) up to the first step where llama.cpp's
  // top two candidates are within 0.05 nats: past a near-tie, rounding differences between two
  // correct engines may legitimately pick either (fixtures/README.md: llama.cpp's own F16 KV
  // cache moves these logprobs by up to ~0.03). The template `{{ .Prompt }}` sends the prompt
  // text as is, like llama.cpp's completion, and keeps `context` in the answer.
  for (const c of reference) {
    const what = `continuation of ${JSON.stringify(c.prompt.slice(0, 30))}`;
    const stopped = c.tokens.length < 32;  // then its last token is the end-of-generation token
    const expected = stopped ? c.tokens.slice(0, -1) : c.tokens;
    const found = c.steps.findIndex((s) => s.top.length > 1 && s.top[0][1] - s.top[1][1] < 0.05);
    const tie = found < 0 ? c.tokens.length : found;
    if (c.prompt.startsWith('<|begin_of_text|>')) {
      // Templated prompts never get two BOS; raw ones do, as llama.cpp gives them.
      const r = await ollama.generate({ model: 'tiny', prompt: c.prompt, raw: true, options: { temperature: 0, num_predict: 32 } });
      assertEq(r.prompt_eval_count, c.prompt_tokens.length, `${what}: prompt tokens`);
      if (found < 0) assertEq(r.response, c.text, what);
      continue;
    }
    const r = await ollama.generate({ model: 'tiny', prompt: c.prompt, template: '{{ .Prompt }}',
                                      options: { temperature: 0, num_predict: 32 } });
    assertEq(r.context.slice(0, c.prompt_tokens.length), c.prompt_tokens, `${what}: prompt tokens`);
    const generated = r.context.slice(c.prompt_tokens.length);
    assertEq(generated.slice(0, Math.min(tie, expected.length)), expected.slice(0, tie), what);
    if (found < 0) {
      assertEq(r.response, c.text, `${what}: text`);
      assertEq(r.done_reason, stopped ? 'stop' : 'length', `${what}: done_reason`);
    }
  }
});
await check('greedy /api/generate equals `hearth run FILE.gguf` token for token', async () => {
  const prompt = 'The quick brown fox';
  const direct = execFileSync(hearth, ['run', modelFile, prompt, '--num-predict', '24', '--temperature', '0', '--kv-type', 'f32'],
                              { encoding: 'utf8' });
  const r = await ollama.generate({ model: 'tiny', prompt, raw: true, options: { temperature: 0, num_predict: 24 } });
  assertEq(r.response + '\n', direct, 'text');
});
await check('chat with history (not streamed and streamed agree)', async () => {
  const messages = [
    { role: 'user', content: 'Hi there' },
    { role: 'assistant', content: 'Hello! How can I help?' },
    { role: 'user', content: 'Tell me a story' },
  ];
  const r = await ollama.chat({ model: 'tiny', messages, options: greedy });
  assertEq(r.message.role, 'assistant', 'role');
  assertEq(r.done_reason, 'length', 'done_reason');
  assertEq(r.eval_count, 8, 'eval_count');
  let text = '';
  for await (const c of await ollama.chat({ model: 'tiny', messages, options: greedy, stream: true })) text += c.message.content;
  assertEq(text, r.message.content, 'streamed content');
  const short = await ollama.chat({ model: 'tiny', messages: messages.slice(2), options: greedy });
  assert(r.prompt_eval_count > short.prompt_eval_count, 'history reaches the prompt');
});
await check('the model\'s SYSTEM prompt reaches chat prompts', async () => {
  const plain = await ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], options: greedy });
  const sys = await ollama.chat({ model: 'tiny-sys', messages: [{ role: 'user', content: 'x' }], options: greedy });
  assert(sys.prompt_eval_count > plain.prompt_eval_count, `${sys.prompt_eval_count} vs ${plain.prompt_eval_count}`);
});
await check('_debug_render_only returns the rendered prompt without running the model', async () => {
  const post = async (path, body) => {
    const r = await fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify({ ...body, _debug_render_only: true }) });
    assertEq(r.status, 200, `${path} status`);
    return r.json();
  };
  const g = await post('/api/generate', { model: 'tiny-sys', prompt: 'Why is the sky blue?' });
  assertEq(g.done, false, 'generate: done');
  assert(!('done_reason' in g), 'generate: no done_reason');
  const gt = g._debug_info.rendered_template;
  assert(gt.includes('Why is the sky blue?') && gt.includes('You are terse.'), `generate render: ${gt}`);
  const c = await post('/api/chat', { model: 'tiny-sys', messages: [{ role: 'user', content: 'First question' }] });
  assertEq(c.done, false, 'chat: done');
  const ct = c._debug_info.rendered_template;
  assert(ct.includes('First question') && ct.includes('You are terse.'), `chat render: ${ct}`);
  assertEq(c._debug_info.image_count, 0, 'image_count');
});
await check('ps lists the loaded model with its context and expiry', async () => {
  const { models } = await ollama.ps();
  const m = models.find((x) => x.name === 'tiny:latest');
  assert(m, `ps ${JSON.stringify(models)}`);
  assertEq(m.context_length, 4096, 'context_length');
  assert(m.size > 0, 'size');
  const inMinutes = (Date.parse(m.expires_at) - Date.now()) / 60000;
  assert(inMinutes > 3 && inMinutes <= 5.1, `expires in ${inMinutes} min`);
});
await check('keep_alive 0 unloads; an empty prompt loads', async () => {
  const u = await ollama.generate({ model: 'tiny', prompt: '', keep_alive: 0 });
  assertEq(u.done_reason, 'unload', 'unload reply');
  for (let i = 0; i < 50 && (await ollama.ps()).models.some((m) => m.name === 'tiny:latest'); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert(!(await ollama.ps()).models.some((m) => m.name === 'tiny:latest'), 'unloaded');
  const l = await ollama.generate({ model: 'tiny', prompt: '' });
  assertEq(l.done_reason, 'load', 'load reply');
  assert((await ollama.ps()).models.some((m) => m.name === 'tiny:latest'), 'loaded');
});
await check('copy and delete', async () => {
  await ollama.copy({ source: 'tiny', destination: 'tiny-copy' });
  assert((await ollama.list()).models.some((m) => m.name === 'tiny-copy:latest'), 'copied');
  await ollama.delete({ model: 'tiny-copy' });
  assert(!(await ollama.list()).models.some((m) => m.name === 'tiny-copy:latest'), 'deleted');
  await expectError(ollama.delete({ model: 'tiny-copy' }), 404, 'not found');
  assert((await ollama.list()).models.some((m) => m.name === 'tiny:latest'), 'source kept (shared blob)');
});

console.log('embeddings');
// The model's hidden state after the output norm, last token (a generative model has no
// pooling_type); the engine suite checks the vector itself against llama.cpp's reference. Here:
// the API's shapes, normalisation, truncation and the three routes agreeing with each other.
const norm = (v) => Math.hypot(...v);
const unit = (v) => { const n = norm(v); return v.map((x) => x / n); };
const maxDiff = (a, b) => { assertEq(a.length, b.length, 'lengths'); return Math.max(...a.map((x, i) => Math.abs(x - b[i]))); };
const sentence = 'The quick brown fox jumps over the lazy dog';
let embeddingLength, sentenceVector, sentenceTokens;
await check('embed (single input): one L2-normalised vector of embedding_length values', async () => {
  embeddingLength = (await ollama.show({ model: 'tiny' })).model_info['llama.embedding_length'];
  assert(Number.isInteger(embeddingLength) && embeddingLength > 0, `embedding_length ${embeddingLength}`);
  const r = await ollama.embed({ model: 'tiny', input: sentence });
  assertEq(r.model, 'tiny', 'model');
  assertEq(r.embeddings.length, 1, 'one vector');
  assertEq(r.embeddings[0].length, embeddingLength, 'vector length');
  assert(Math.abs(norm(r.embeddings[0]) - 1) < 1e-5, `L2 norm ${norm(r.embeddings[0])}`);
  assert(r.prompt_eval_count > 5 && Number.isInteger(r.total_duration) && r.total_duration > 0, `statistics ${JSON.stringify(r)}`);
  [sentenceVector, sentenceTokens] = [r.embeddings[0], r.prompt_eval_count];
});
await check('embed (array): identical inputs give identical vectors, different inputs differ', async () => {
  const other = 'Stock markets fell sharply on Monday';
  const r = await ollama.embed({ model: 'tiny', input: [sentence, other, sentence] });
  assertEq(r.embeddings.length, 3, 'three vectors');
  for (const v of r.embeddings) {
    assertEq(v.length, embeddingLength, 'vector length');
    assert(Math.abs(norm(v) - 1) < 1e-5, `L2 norm ${norm(v)}`);
  }
  assertEq(r.embeddings[2], r.embeddings[0], 'same input twice in one request');
  assertEq(r.embeddings[0], sentenceVector, 'same input in another request');
  assert(maxDiff(r.embeddings[0], r.embeddings[1]) > 1e-3, 'different inputs differ');
  const single = await ollama.embed({ model: 'tiny', input: other });
  assertEq(r.prompt_eval_count, 2 * sentenceTokens + single.prompt_eval_count, 'prompt_eval_count sums the inputs');
});
await check('legacy embeddings: the unnormalised vector, which normalised equals /api/embed\'s', async () => {
  const r = await ollama.embeddings({ model: 'tiny', prompt: sentence });
  assertEq(r.embedding.length, embeddingLength, 'vector length');
  assert(Math.abs(norm(r.embedding) - 1) > 1e-3, `the legacy route does not normalise (norm ${norm(r.embedding)})`);
  assert(maxDiff(unit(r.embedding), sentenceVector) < 1e-6, 'normalised legacy vector = /api/embed vector');
  // dimensions: the first N values, normalised again (spec §2.5).
  const d = await ollama.embed({ model: 'tiny', input: sentence, dimensions: 16 });
  assertEq(d.embeddings[0].length, 16, 'dimensions');
  assert(maxDiff(d.embeddings[0], unit(r.embedding.slice(0, 16))) < 1e-6, 'cut to 16 values, then normalised');
  const empty = await ollama.embeddings({ model: 'tiny', prompt: '' });
  assertEq(empty.embedding, [], 'an empty prompt only loads the model');
});
await check('embed: empty input loads the model; bad input types are 400', async () => {
  let r = curl(['-X', 'POST', `${server.url}/api/embed`, '-d', '{"model":"tiny","input":[]}']);
  assertEq([r.status, JSON.parse(r.body)], [200, { model: 'tiny', embeddings: [] }], 'empty array');
  r = curl(['-X', 'POST', `${server.url}/api/embed`, '-d', '{"model":"tiny","input":""}']);
  assertEq([r.status, JSON.parse(r.body).embeddings], [200, []], 'empty string');
  r = curl(['-X', 'POST', `${server.url}/api/embed`, '-d', '{"model":"tiny","input":[1]}']);
  assertEq([r.status, JSON.parse(r.body).error], [400, 'invalid input type'], 'number in the array');
  r = curl(['-X', 'POST', `${server.url}/api/embed`, '-d', '{"model":"nope","input":"x"}']);
  assertEq([r.status, JSON.parse(r.body).error], [404, 'model "nope" not found, try pulling it first'], 'unknown model');
});
await check('embed: too long with truncate false is 400; truncate true cuts it to num_ctx', async () => {
  const long = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
  const options = { num_ctx: 32 };
  try {
    await expectError(ollama.embed({ model: 'tiny', input: long, truncate: false, options }), 400,
                      'the input length exceeds the context length');
    const r = await ollama.embed({ model: 'tiny', input: long, options });
    assertEq(r.prompt_eval_count, 32, 'tokens after truncation (BOS included)');
    assert(Math.abs(norm(r.embeddings[0]) - 1) < 1e-5, 'normalised');
    const s = await ollama.embed({ model: 'tiny', input: sentence, truncate: false, options });
    assert(maxDiff(s.embeddings[0], sentenceVector) < 1e-6, 'a short input is not affected by num_ctx');
  } finally {
    // Unload the num_ctx 32 runner: later requests leave num_ctx unset and would reuse it.
    await ollama.generate({ model: 'tiny', prompt: '', keep_alive: 0 });
    for (let i = 0; i < 50 && (await ollama.ps()).models.some((m) => m.name === 'tiny:latest'); i++)
      await new Promise((r) => setTimeout(r, 100));
  }
});
await check('openai embeddings.create: normalised vectors equal to /api/embed, usage, dimensions', async () => {
  const other = 'Stock markets fell sharply on Monday';
  const api = await ollama.embed({ model: 'tiny', input: [sentence, other] });
  // The client asks for base64 unless told otherwise; try both encodings.
  for (const encoding_format of [undefined, 'float']) {
    const r = await openai.embeddings.create({ model: 'tiny', input: [sentence, other], ...(encoding_format ? { encoding_format } : {}) });
    assertEq(r.object, 'list', 'object');
    assertEq(r.data.map((d) => d.index), [0, 1], 'indices');
    assertEq(r.usage.prompt_tokens, api.prompt_eval_count, 'usage.prompt_tokens');
    for (let i = 0; i < 2; i++) {
      const v = Array.from(r.data[i].embedding);
      assertEq(v.length, embeddingLength, 'vector length');
      // base64 carries float32: compare at float32 precision.
      assert(maxDiff(v, api.embeddings[i]) < 1e-6, `vector ${i} (${encoding_format ?? 'base64'}) equals /api/embed`);
    }
  }
  const d = await openai.embeddings.create({ model: 'tiny', input: sentence, dimensions: 8, encoding_format: 'float' });
  assertEq(d.data[0].embedding.length, 8, 'dimensions');
  assert(Math.abs(norm(d.data[0].embedding) - 1) < 1e-5, 'normalised after the cut');
  await expectError(openai.embeddings.create({ model: 'tiny', input: [] }), 400);
});

console.log('OpenAI compatibility');
const chatReq = { model: 'tiny', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 6, temperature: 0 };
await check('chat.completions (not streamed)', async () => {
  const r = await openai.chat.completions.create(chatReq);
  assertEq(r.object, 'chat.completion', 'object');
  assertEq(r.choices[0].message.role, 'assistant', 'role');
  assertEq(r.choices[0].finish_reason, 'length', 'finish_reason');
  assertEq(r.usage.completion_tokens, 6, 'usage');
  assertEq(r.usage.total_tokens, r.usage.prompt_tokens + 6, 'total');
  nonStreamed = r.choices[0].message.content;
});
await check('chat.completions (streamed, include_usage)', async () => {
  const stream = await openai.chat.completions.create({ ...chatReq, stream: true, stream_options: { include_usage: true } });
  let text = '', first, finish, usage, created = new Set();
  for await (const c of stream) {
    created.add(c.created);
    if (!first) first = c;
    if (c.usage) usage = c.usage;
    for (const ch of c.choices) {
      text += ch.delta.content ?? '';
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  assertEq(first.choices[0].delta.role, 'assistant', 'role in first chunk');
  assertEq(finish, 'length', 'finish_reason');
  assertEq(usage.completion_tokens, 6, 'usage');
  assertEq(created.size, 1, 'one created timestamp');
  assertEq(text, nonStreamed, 'same text as not streamed');
});
await check('completions (streamed and not)', async () => {
  const r = await openai.completions.create({ model: 'tiny', prompt: 'Once upon', max_tokens: 5, temperature: 0 });
  assertEq(r.object, 'text_completion', 'object');
  assertEq(r.usage.completion_tokens, 5, 'usage');
  let text = '';
  for await (const c of await openai.completions.create({ model: 'tiny', prompt: 'Once upon', max_tokens: 5, temperature: 0, stream: true }))
    text += c.choices[0]?.text ?? '';
  assertEq(text, r.choices[0].text, 'streamed text');
});
await check('models list and retrieve', async () => {
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m);
  const tiny = ids.find((m) => m.id === 'tiny:latest');
  assert(tiny && tiny.owned_by === 'library' && tiny.object === 'model', `models ${JSON.stringify(ids)}`);
  const r = await openai.models.retrieve('tiny:latest');
  assertEq(r.id, 'tiny:latest', 'retrieve');
  const e = await expectError(openai.models.retrieve('nope'), 404);
  assertEq(e.error?.type, 'not_found_error', 'OpenAI error type');
});
await check('OpenAI errors: unknown model 404, empty messages 400', async () => {
  await expectError(openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), 404);
  const e = await expectError(openai.chat.completions.create({ model: 'tiny', messages: [] }), 400);
  assertEq(e.error?.message, "[] is too short - 'messages'", 'message');
});

console.log('HTTP behaviour (curl)');
await check('status codes and error bodies', async () => {
  const u = server.url;
  let r = curl(['-X', 'POST', `${u}/api/generate`, '-d', '{bad json']);
  assertEq(r.status, 400, 'bad JSON');
  assert(JSON.parse(r.body).error.length > 0, 'bad JSON error body');
  r = curl(['-X', 'POST', `${u}/api/generate`]);
  assertEq([r.status, JSON.parse(r.body).error], [400, 'missing request body'], 'empty body');
  r = curl(['-X', 'POST', `${u}/api/chat`, '-d', '{"messages":[]}']);
  assertEq([r.status, JSON.parse(r.body).error], [400, 'model is required'], 'missing model');
  r = curl(['-X', 'POST', `${u}/api/generate`, '-d', '{"model":"nope","prompt":"x"}']);
  assertEq([r.status, JSON.parse(r.body).error], [404, "model 'nope' not found"], 'unknown model');
  r = curl([`${u}/api/show`]);
  assertEq([r.status, r.body], [405, '405 method not allowed'], 'wrong method');
  r = curl([`${u}/api/nothing`]);
  assertEq([r.status, r.body], [404, '404 page not found'], 'unknown route');
  const big = path.join(server.home, 'big.json');
  fs.writeFileSync(big, '{"model":"' + 'x'.repeat(3 << 20) + '"}');
  r = curl(['-X', 'POST', `${u}/api/show`, '--data-binary', `@${big}`]);
  assertEq(r.status, 413, 'oversized body');
  r = curl(['-X', 'POST', `${u}/api/generate`, '-d', '{"model":"tiny","prompt":"x","raw":true,"system":"s"}']);
  assertEq([r.status, JSON.parse(r.body).error], [400, 'raw mode does not support template, system, or context'], 'raw+system');
  r = curl(['-X', 'POST', `${u}/api/generate`, '-d', '{"model":"tiny","prompt":"x","keep_alive":"3600"}']);
  assertEq(r.status, 400, 'unitless keep_alive');
  r = curl(['-X', 'POST', `${u}/api/generate`, '-d', '{"model":"tiny","prompt":"x","options":{"num_ctx":"big"}}']);
  assertEq([r.status, JSON.parse(r.body).error], [400, 'option "num_ctx" must be of type integer'], 'option type');
  r = curl(['-I', `${u}/`]);
  assertEq(r.status, 200, 'HEAD /');
});
await check('CORS preflight and the Host check', async () => {
  let r = curl(['-i', '-X', 'OPTIONS', `${server.url}/api/chat`, '-H', 'Origin: http://localhost:3000',
                '-H', 'Access-Control-Request-Method: POST']);
  assertEq(r.status, 204, 'preflight');
  assert(/access-control-allow-origin: http:\/\/localhost:3000/i.test(r.body), 'allow-origin header');
  r = curl([`${server.url}/api/tags`, '-H', 'Origin: https://evil.example']);
  assertEq(r.status, 403, 'foreign origin');
  r = curl([`${server.url}/api/tags`, '-H', 'Host: evil.example']);
  assertEq(r.status, 403, 'DNS-rebinding host');
});

console.log('concurrency and cancellation');
await check('a client that disconnects stops its generation (slots are freed)', async () => {
  const streams = [];
  for (let i = 0; i < 4; i++)
    streams.push(await openStream(server.url, '/api/generate',
                                  { model: 'tiny', prompt: `story ${i}`, options: { num_predict: 1_000_000 } }));
  for (const s of streams) await s.waitLines(2);
  for (const s of streams) s.req.destroy();
  // All four slots were busy with near-endless generations: a new request is served only if
  // the disconnects cancelled them.
  const t0 = Date.now();
  const r = await ollama.generate({ model: 'tiny', prompt: 'after', options: { num_predict: 4 } });
  assertEq(r.eval_count, 4, 'served');
  assert(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
});
await check(`${concurrency} concurrent clients are queued or served, none fails`, async () => {
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: concurrency }, (_, i) =>
    fetch(`${server.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'tiny', prompt: `n${i}`, raw: true, stream: false, options: { num_predict: 2 } }),
    }).then(async (r) => ({ status: r.status, body: await r.json() })).catch((e) => ({ status: 0, body: String(e) }))));
  const bad = results.filter((r) => r.status !== 200 || !r.body.done);
  assertEq(bad.length, 0, `failed requests (first: ${JSON.stringify(bad[0])})`);
  console.log(`       ${concurrency} requests in ${Date.now() - t0} ms`);
});

await check('OLLAMA_MAX_QUEUE: a full queue answers 503 with Ollama\'s message', async () => {
  const small = new HearthServer(hearth, { OLLAMA_NUM_PARALLEL: '1', OLLAMA_MAX_QUEUE: '1' });
  await small.start();
  try {
    const sm = new Ollama({ host: small.url });
    const blob = `${small.url}/api/blobs/sha256:${digest}`;
    await fetch(blob, { method: 'POST', body: fs.readFileSync(modelFile) });
    await sm.create({ model: 'tiny', files: { [FIXTURE]: `sha256:${digest}` } });
    // Greedy continuation of this prompt runs for thousands of tokens before EOS: it holds the
    // only slot while the second request waits in the queue of one.
    const running = await openStream(small.url, '/api/generate',
                                     { model: 'tiny', prompt: 'Hello there', options: { temperature: 0, num_predict: 1_000_000 } });
    await running.waitLines(2);
    // Its response headers only come with its first token, so do not wait for them here.
    const queuedPromise = openStream(small.url, '/api/generate', { model: 'tiny', prompt: 'b', options: { num_predict: 1 } });
    await new Promise((r) => setTimeout(r, 500));
    assert(running.lines.length > 0 && !JSON.parse(running.lines.at(-1)).done, `still generating: ${running.lines.at(-1)}`);
    const r = curl(['-X', 'POST', `${small.url}/api/generate`, '-d', '{"model":"tiny","prompt":"c"}']);
    assertEq([r.status, JSON.parse(r.body).error], [503, 'server busy, please try again.  maximum pending requests exceeded'], 'queue full');
    running.req.destroy();
    const queued = await queuedPromise;
    await queued.ended;
    assert(JSON.parse(queued.lines.at(-1)).done, 'the queued request was served once the slot freed');
  } finally {
    await small.stop();
    small.cleanup();
  }
});

console.log('CLI against the server');
await check('ollama --version, hearth list, hearth show --system', async () => {
  const env = { ...process.env, OLLAMA_HOST: `127.0.0.1:${server.port}` };
  const ollamaBin = path.join(path.dirname(hearth), 'ollama');
  assertEq(execFileSync(ollamaBin, ['--version'], { env, encoding: 'utf8' }).trim(), 'ollama version is 0.33.0', '--version');
  assert(/^tiny:latest\s+[0-9a-f]{12}\s/m.test(execFileSync(hearth, ['list'], { env, encoding: 'utf8' })), 'list');
  assertEq(execFileSync(hearth, ['show', 'tiny-sys', '--system'], { env, encoding: 'utf8' }).trim(), 'You are terse.', 'show');
  // tiny-sys carries num_predict 8 and temperature 0 in its parameters: the CLI's completion is
  // the same text the API gives for the same chat-templated prompt.
  const gen = execFileSync(hearth, ['run', 'tiny-sys', 'Hello'], { env, encoding: 'utf8', input: '' });
  const api = await ollama.generate({ model: 'tiny-sys', prompt: 'Hello' });
  assertEq(gen, api.response + '\n', 'run prints the completion');
});

console.log('shutdown');
await check('SIGTERM ends open streams with a final line and exits 0', async () => {
  const s = await openStream(server.url, '/api/generate', { model: 'tiny', prompt: 'long', options: { num_predict: 1_000_000 } });
  await s.waitLines(2);
  const { code } = await server.stop('SIGTERM');
  await s.ended;
  const last = JSON.parse(s.lines.at(-1));
  assert(last.error && last.error.includes('shutting down'), `last line ${s.lines.at(-1)}`);
  assertEq(code, 0, 'exit status');
});

await server.stop();
const status = summary();
if (status !== 0) console.log(`server log:\n${server.log.slice(-4000)}`);
server.cleanup();
process.exit(status);
