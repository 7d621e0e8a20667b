import { GRM_IMAGE_MARKER, type GrmSpec } from "../manifest.js";

/**
 * The 8 images of one GRM request, as data URLs, in the prompt's order (DESIGN §8): reference START (front),
 * reference GOAL (front), BEFORE front / left wrist / right wrist, AFTER front / left wrist / right wrist.
 */
export interface HopImages {
  readonly start: string;
  readonly goal: string;
  readonly before: readonly [string, string, string];
  readonly after: readonly [string, string, string];
}

export type ContentPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "image_url"; readonly image_url: { readonly url: string } };

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly { readonly role: "user"; readonly content: readonly ContentPart[] }[];
  readonly temperature: number;
  readonly max_tokens: number;
}

export const imageOrder = (images: HopImages): string[] => [
  images.start,
  images.goal,
  ...images.before,
  ...images.after,
];

/**
 * One OpenAI-compatible chat-completions body: the prompt with `{task}` filled in, and the 8 images as
 * image_url parts, either where the prompt's 8 `<image>` markers are or, without markers, after the text.
 */
export function buildHopRequest(spec: GrmSpec, instruction: string, images: HopImages): ChatRequest {
  const text = spec.prompt.replaceAll("{task}", instruction);
  const urls = imageOrder(images);
  const image = (url: string): ContentPart => ({ type: "image_url", image_url: { url } });
  const pieces = text.split(GRM_IMAGE_MARKER);
  let content: ContentPart[];
  if (pieces.length === 1) {
    content = [{ type: "text", text }, ...urls.map(image)];
  } else {
    if (pieces.length !== urls.length + 1) {
      throw new Error(`grm.prompt has ${pieces.length - 1} '${GRM_IMAGE_MARKER}' markers, need 8`);
    }
    content = [];
    pieces.forEach((piece, i) => {
      if (piece.trim() !== "") content.push({ type: "text", text: piece });
      if (i < urls.length) content.push(image(urls[i]));
    });
  }
  return {
    model: spec.served_model,
    messages: [{ role: "user", content }],
    temperature: spec.temperature,
    max_tokens: spec.max_tokens,
  };
}
