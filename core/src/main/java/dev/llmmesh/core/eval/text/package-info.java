/**
 * Text-generation metrics computed the way the reference tools compute them, so a figure reported here can be
 * compared with a published one: corpus and sentence BLEU as sacreBLEU ({@link dev.llmmesh.core.eval.text.Bleu}),
 * ROUGE-N and ROUGE-L as Google's rouge-score ({@link dev.llmmesh.core.eval.text.Rouge}, with NLTK's
 * {@link dev.llmmesh.core.eval.text.PorterStemmer}), exact match, and the prompts and answer parsers of
 * LLM-as-judge ({@link dev.llmmesh.core.eval.text.JudgePrompt}, {@link dev.llmmesh.core.eval.text.JudgeScore},
 * {@link dev.llmmesh.core.eval.text.PairwisePreference}, {@link dev.llmmesh.core.eval.text.PairwiseVerdict}).
 *
 * <p>Plain Java, no model: the eval service feeds these the generations it got from the inference service.
 */
package dev.llmmesh.core.eval.text;
