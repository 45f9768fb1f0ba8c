package dev.llmmesh.servicekit.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem body; {@code field} names the request field at fault (e.g. {@code tokens[3]}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field) {
    public static final String MEDIA_TYPE = "application/problem+json";
}
