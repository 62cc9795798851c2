import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type * as files from '../activities/files';
import type { DownloadedVideo } from '../activities/files';
import { runBackgroundInteraction } from './background-interaction';
import { listenForGeminiEvents, type ResolvedWait, type WaitOptions } from './wait-for-gemini-event';

export const defaultVideoModel = 'veo-3.1-generate-preview';

export interface VideoInput {
  prompt: string;
  /** A video model served through Interactions (SDK 3.1.0 refuses generateVideos with Gemini API keys). */
  model?: string;
  reconcileAfter?: WaitOptions['reconcileAfter'];
  reconcileMax?: WaitOptions['reconcileMax'];
}

export interface VideoResult extends DownloadedVideo {
  resolvedBy: ResolvedWait['resolvedBy'];
}

const { downloadGeneratedVideo } = proxyActivities<typeof files>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

/** Generates a video from a prompt, waits for `video.generated`, and saves the file on the worker. */
export async function generateVideo(input: VideoInput): Promise<VideoResult> {
  const events = listenForGeminiEvents();
  if (!input.prompt?.trim()) throw ApplicationFailure.nonRetryable('a video prompt is required', 'BadInput');

  const { interactionId, event, resolvedBy } = await runBackgroundInteraction(
    events,
    { model: input.model ?? defaultVideoModel, input: input.prompt },
    {
      until: 'video.generated',
      what: 'video generation',
      reconcileAfter: input.reconcileAfter,
      reconcileMax: input.reconcileMax,
    },
  );

  // Sources name the file differently (output_file_uri, file_name, video_uri); any of them points at it.
  const file = [event.data.file_name, event.data.output_file_uri, event.data.video_uri].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  if (!file) throw ApplicationFailure.nonRetryable('video.generated named no file', 'GeminiNoVideoFile');
  const video = await downloadGeneratedVideo({ interactionId, file });
  return { ...video, resolvedBy };
}
