package org.example.ledger.web;

import java.math.BigDecimal;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import org.example.ledger.service.TransferRules;

/**
 * The body of {@code POST /api/accounts/{id}/entries}: a transfer from that account. Numbers are
 * read as {@code BigDecimal} so that a fraction is refused rather than cut off (JSON-B turns
 * {@code 2.7} into the {@code Long} 2).
 */
public class NewTransfer {

    @NotNull
    @Positive
    @Digits(integer = 18, fraction = 0, message = "must be a whole number")
    public BigDecimal toAccountId;

    @NotNull
    @Positive
    @Digits(integer = 18, fraction = 0, message = "must be a whole number")
    @DecimalMax(TransferRules.MAX_AMOUNT_TEXT)
    public BigDecimal amountCents;

    @Size(max = 140)
    public String memo;
}
