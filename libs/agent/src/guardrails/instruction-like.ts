import { instructionView } from './instruction-view.js';

// Phrases that address the model rather than report data. Bounded gaps keep each test linear; a gap
// may cross a line break, so a phrase split over two lines is still one.
const INSTRUCTION_LIKE: RegExp[] = [
  /\b(?:ignore|disregard|forget|override|pay no attention to|set aside)\b[\s\S]{0,40}?\b(?:previous|prior|above|earlier|all|any|your|the)\b[\s\S]{0,40}?\b(?:instructions?|prompts?|rules|directions|guidelines|guidance|orders)\b/i,
  /\byou (?:are|will) now\b|\bfrom now on,? you\b|\bnew instructions?\b|\bsystem prompt\b/i,
  /^\s*(?:system|assistant|developer|user|human|tool)\s*:/im,
  /<\|?\s*(?:im_start|im_end|system|endoftext)\s*\|?>|\[\/?INST\]|<\/?\s*(?:system|instructions?)\s*>/i,
  /\b(?:call|calling|use|using|invoke|invoking|run|running)\b[\s\S]{0,30}?\b(?:the\s+)?(?:tool|function)\b[\s\S]{0,40}?\b(?:with|to)\b/i,
  /\b(?:send|forward|email|post|upload)\b[\s\S]{0,40}?\b(?:password|api key|secret|token|credentials?)\b/i,
  // Asks for a secret to be put somewhere: "call x with the user's password", "include your API key".
  /\b(?:call|invoke|include|pass|put|give|share|provide|reveal|tell|leak|attach|paste)\b[\s\S]{0,60}?\b(?:passwords?|passcodes?|api keys?|secrets?|credentials?|access tokens?|private keys?)\b/i,
  // Keeping the user in the dark, and moving the conversation or the system prompt somewhere.
  /\b(?:do not|don't|never)\s+(?:mention|tell|reveal|inform|show|disclose)\b[\s\S]{0,40}?\b(?:the user|anyone|them)\b/i,
  /\b(?:include|insert|put|pass|send|share|copy|append|add|reveal|repeat)\b[\s\S]{0,40}?\b(?:the (?:whole |full |entire )?conversation|conversation so far|chat history|previous messages|(?:the |your )?system (?:prompt|message))\b/i,
  // Reading local secrets: keys, dotfiles, environment.
  /\bread\b[\s\S]{0,40}?(?:~\/|\/etc\/|\bid_rsa\b|\.ssh\b|\.env\b|\.aws\b)/i,
  /<\/?\s*important\s*>/i,
  // This guard's own markers, forged to close its fence early.
  /<<\s*(?:the result of|end of the result of)\b/i,
];

/** True when `text` addresses the model rather than reports data. */
// Read as instructionView shows it: zero-width characters, fullwidth letters, combining marks and
// Cyrillic or Greek lookalikes cannot split or disguise a phrase.
export function readsAsInstructions(text: string): boolean {
  const view = instructionView(text);
  return INSTRUCTION_LIKE.some((p) => p.test(view));
}
