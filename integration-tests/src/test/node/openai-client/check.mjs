// The official openai client against an llm-mesh gateway: a models list, a completion and a streamed chat
// completion. Run by integration-tests (OpenAiClientIT); exits non-zero with the reason on any mismatch.
import OpenAI from "openai";
import assert from "node:assert/strict";

const baseURL = process.env.LLM_GATEWAY_URL ?? "http://localhost:8080/v1";
const model = process.env.LLM_MODEL;
assert.ok(model, "set LLM_MODEL to a published model id");
const client = new OpenAI({ baseURL, apiKey: process.env.LLM_API_KEY ?? "unused-when-auth-is-off", maxRetries: 0 });

const models = await client.models.list();
const ids = models.data.map((m) => m.id);
assert.ok(ids.includes(model), `models.list() has ${model}: ${ids}`);

const completion = await client.completions.create({
  model, prompt: "Call me Ishmael.", max_tokens: 8, temperature: 0, logprobs: 2, seed: 1,
});
assert.equal(completion.object, "text_completion");
assert.equal(completion.choices.length, 1);
assert.equal(completion.choices[0].logprobs.tokens.length, completion.usage.completion_tokens);
assert.ok(["length", "stop"].includes(completion.choices[0].finish_reason));

const stream = await client.chat.completions.create({
  // A short system message replaces the long default preamble: the test models have small contexts.
  model, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "The whale?" }],
  max_tokens: 8, stream: true,
  stream_options: { include_usage: true }, seed: 2,
});
let text = "";
let chunks = 0;
let finish = null;
let usage = null;
for await (const chunk of stream) {
  assert.equal(chunk.object, "chat.completion.chunk");
  chunks += 1;
  for (const choice of chunk.choices) {
    text += choice.delta?.content ?? "";
    finish = choice.finish_reason ?? finish;
  }
  usage = chunk.usage ?? usage;
}
assert.ok(chunks >= 2, `streamed in ${chunks} chunks`);
assert.ok(finish, "a finish_reason arrived");
assert.ok(usage && usage.completion_tokens > 0, `usage: ${JSON.stringify(usage)}`);

let notFound = null;
try {
  await client.completions.create({ model: "no-such-model", prompt: "x" });
} catch (e) {
  notFound = e;
}
assert.ok(notFound instanceof OpenAI.NotFoundError, `unknown model -> NotFoundError, got ${notFound}`);

console.log(JSON.stringify({ models: ids.length, completion: completion.choices[0].text, chat: text, chunks, finish }));
