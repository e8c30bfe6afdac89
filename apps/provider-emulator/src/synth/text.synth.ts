import { prng } from './deterministic.random';

// Three-letter words: each word plus its separating space is exactly four characters, i.e. one
// token under the emulator's tokenizer, so "N output tokens" is simply N words.
const WORDS = (
  'the and for you are its not but can all any had her was one our out day get has him his how man ' +
  'new now old see two way who boy did let put say she too use sky sea sun run big red top yes art ' +
  'map key box cup dog cat fox owl bee ant elk emu yak ram cow hen'
).split(' ');

/**
 * The pieces of a synthetic reply of `tokens` tokens: the first word, then " word" per token. Joined
 * they are the message text; one piece per token is also how the streams deliver them.
 */
export function synthTextPieces(seed: number, tokens: number): string[] {
  const next = prng(seed);
  const pieces: string[] = new Array<string>(tokens);
  for (let i = 0; i < tokens; i += 1) {
    const word = WORDS[Math.floor(next() * WORDS.length)] as string;
    pieces[i] = i === 0 ? word : ` ${word}`;
  }
  return pieces;
}

export function synthText(seed: number, tokens: number): string {
  return synthTextPieces(seed, tokens).join('');
}
