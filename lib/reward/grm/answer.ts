/** The served model's answer had no usable `<score>±NN%</score>`: an error status for that step. */
export class GrmAnswerError extends Error {
  constructor(
    problem: string,
    /** The raw answer, truncated for logs. */
    readonly answer: string,
  ) {
    super(`${problem}; answer: ${JSON.stringify(truncate(answer, 200))}`);
    this.name = "GrmAnswerError";
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

// "+NN%", "-NN%", "NN%"; the minus may be U+2212; a decimal percent is accepted too.
const SCORE = /<score>\s*([+\-\u2212]?)\s*(\d{1,3}(?:\.\d+)?)\s*%\s*<\/score>/g;

/**
 * The hop H ∈ [−1, 1] of an answer `… <score>+NN%</score>` (DESIGN §8): NN/100, clamped. When the answer
 * has several scores (reasoning quoting one), the last is the answer. No score: GrmAnswerError, never 0.
 */
export function parseHop(answer: string): number {
  const matches = [...answer.matchAll(SCORE)];
  const last = matches.at(-1);
  if (!last) throw new GrmAnswerError("no <score>±NN%</score> in the answer", answer);
  const percent = Number(last[2]) * (last[1] === "" || last[1] === "+" ? 1 : -1);
  if (!Number.isFinite(percent)) throw new GrmAnswerError(`score '${last[0]}' is not a number`, answer);
  return Math.min(1, Math.max(-1, percent / 100));
}

/** The text of the first choice of an OpenAI chat-completions response body. */
export function answerText(body: unknown): string {
  const choice = (body as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content === "string") return content;
  // Some servers return content parts; the text parts together are the answer.
  if (Array.isArray(content)) {
    return content
      .map((p: { type?: string; text?: unknown }) =>
        p?.type === "text" && typeof p.text === "string" ? p.text : "",
      )
      .join("");
  }
  throw new GrmAnswerError("response has no choices[0].message.content", truncate(JSON.stringify(body), 200));
}
