package org.example.ledger.web;

import java.net.URI;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.example.ledger.service.Ledger;
import org.example.ledger.service.Views.AccountDetail;
import org.example.ledger.service.Views.AccountSummary;
import org.example.ledger.service.Views.TransferView;

/**
 * {@code /api/accounts}: the accounts, one account with its entries, a new account, a transfer.
 * Looking at an account puts it on the visitor's recently-viewed list, kept in the HTTP session.
 */
@Path("/accounts")
@Produces(MediaType.APPLICATION_JSON)
public class AccountsResource {

    static final String RECENT = "ledger.recentAccounts";

    @Inject
    private Ledger ledger;

    @Context
    private HttpServletRequest request;

    @GET
    public List<AccountSummary> accounts() {
        return ledger.accounts();
    }

    @GET
    @Path("/{id:[0-9]{1,18}}")
    public AccountDetail account(@PathParam("id") long id) {
        AccountDetail account = ledger.account(id);
        HttpSession session = request.getSession();
        RecentAccounts recent = session.getAttribute(RECENT) instanceof RecentAccounts r ? r : new RecentAccounts();
        recent.viewed(id);
        session.setAttribute(RECENT, recent);
        return account;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response open(@NotNull @Valid NewAccount body) {
        AccountSummary account = ledger.open(body.name, body.openingBalanceCents.longValueExact());
        return Response.created(URI.create("accounts/" + account.id())).entity(account).build();
    }

    @POST
    @Path("/{id:[0-9]{1,18}}/entries")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response transfer(@PathParam("id") long id, @NotNull @Valid NewTransfer body) {
        TransferView transfer = ledger.transfer(id, body.toAccountId.longValueExact(), body.amountCents.longValueExact(), body.memo);
        return Response.status(Response.Status.CREATED).entity(transfer).build();
    }
}
